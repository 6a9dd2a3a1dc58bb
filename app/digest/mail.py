"""The digest as one multipart mail (text and HTML) with the headers mail programs expect."""

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

import css_inline

from app import clock
from app.digest import text
from app.digest.content import Digest
from app.digest.subscriptions import Recipient, unsubscribe_token
from app.web.templating import templates

UNSUBSCRIBE_PATH = "/wochenuebersicht/abbestellen/"


def _one_line(value: str) -> str:
    """No CR, LF or other control characters reach a header from what people typed."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


def unsubscribe_url(recipient: Recipient, *, base_url: str, secret: str) -> str:
    return base_url.rstrip("/") + UNSUBSCRIBE_PATH + unsubscribe_token(recipient, secret=secret)


def html_part(digest: Digest, *, base_url: str, settings_url: str, unsubscribe: str) -> str:
    """Table layout with every style inlined (Outlook ignores style blocks), no images or
    fonts from elsewhere, colours set explicitly so dark modes keep the contrast."""
    page = templates.env.get_template("digest/mail.html").render(
        digest=digest,
        base=base_url.rstrip("/"),
        settings_url=settings_url,
        unsubscribe=unsubscribe,
        subject=text.subject(digest),
    )
    return str(css_inline.inline(page))


def build(
    digest: Digest, recipient: Recipient, *, base_url: str, mail_from: str, secret: str
) -> EmailMessage:
    """`secret` signs the unsubscribe link (the instance's secret key)."""
    base = base_url.rstrip("/")
    settings_url = f"{base}/account#wochenuebersicht"
    unsubscribe = unsubscribe_url(recipient, base_url=base, secret=secret)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = _one_line(text.subject(digest))
    message["From"] = mail_from
    message["To"] = Address(display_name=_one_line(recipient.name), addr_spec=recipient.email)
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=urlsplit(base).hostname or "lotsenboard")
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    message.set_content(text.as_text(digest, base_url=base, settings_url=settings_url))
    message.add_alternative(
        html_part(digest, base_url=base, settings_url=settings_url, unsubscribe=unsubscribe),
        subtype="html",
    )
    return message
