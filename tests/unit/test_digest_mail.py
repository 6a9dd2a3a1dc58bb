"""The digest as a mail: parts, headers, escaping, and one-click unsubscribe."""

from dataclasses import replace
from datetime import datetime
from email import message_from_bytes
from email.policy import default
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from app import clock
from app.accounts.models import Role
from app.digest import content, mail, subscriptions
from app.digest.models import DigestSubscription
from app.errors import NotFound
from tests.factories import make_board, make_card, make_department, make_user

BERLIN = ZoneInfo("Europe/Berlin")
SECRET = "test-secret-for-digest"
WEEK = content.Week(2026, 48)
BASE = "https://lotsen.musterstadt.de/"


def test_recipients_are_admins_and_lotsen_by_default_and_who_opted_in(
    session: Session,
) -> None:
    admin = make_user(session, role=Role.admin, name="Dana Weber")
    lotse = make_user(session, role=Role.lotse, name="Jana Kuhn")
    viewer = make_user(session, role=Role.viewer, name="Gast")
    out = make_user(session, role=Role.lotse, name="Ole Raus")
    session.add(DigestSubscription(user_id=out.id, active=False))
    session.add(DigestSubscription(user_id=viewer.id, active=True, department_ids=[3]))
    session.add(DigestSubscription(email="bm@musterstadt.de", name="Bürgermeisterin"))
    session.commit()
    found = {r.name: r for r in subscriptions.recipients(session)}
    assert set(found) == {"Dana Weber", "Jana Kuhn", "Gast", "Bürgermeisterin"}
    assert found["Gast"].department_ids == [3] and found["Bürgermeisterin"].user is None
    assert (found["Dana Weber"].key, found["Jana Kuhn"].email) == (f"u{admin.id}", lotse.email)


def test_the_mail_has_both_parts_the_headers_and_no_injection(session: Session) -> None:
    with clock.frozen_at(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)):
        board = make_board(session, name="Maßnahmen 2026")
        bau = make_department(session, name="Bauamt", code="BA")
        make_card(
            session, board, title='<script>alert("x")</script> Bcc: all', department_id=bau.id
        )
        user = make_user(session, role=Role.lotse, name="Jana Kuhn")
    # Forms refuse line breaks in names; a name that got past them still cannot add a header.
    recipient = next(r for r in subscriptions.recipients(session) if r.user == user)
    recipient = replace(recipient, name="Jana\r\nBcc: evil@example.org")
    with clock.frozen_at(datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN)):
        digest = content.for_user(session, user=user, week=WEEK)
        message = mail.build(
            digest, recipient, base_url=BASE, mail_from="Lotsenboard <lotsen@musterstadt.de>",
            secret=SECRET,
        )  # fmt: skip
    raw = message.as_bytes()
    parsed = message_from_bytes(raw, policy=default)
    assert parsed["Subject"] == "Wochenübersicht KW 48: 1 neue Maßnahme, 0 offene Widerstände"
    assert parsed["To"].addresses[0].addr_spec == user.email
    assert "\n" not in parsed["To"].addresses[0].display_name
    assert b"\nBcc:" not in raw.split(b"\n\n", 1)[0] and parsed["Bcc"] is None
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["List-Unsubscribe"].startswith(f"<{BASE}wochenuebersicht/abbestellen/")
    assert parsed["Message-ID"].endswith("@lotsen.musterstadt.de>") and parsed["Date"]
    plain = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "Guten Tag Jana" in plain and f"{BASE}boards/{board.id}" in plain
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'style="' in html and "<style>" not in html  # styles inlined for Outlook
    assert "http://" not in html and "<img" not in html and "@import" not in html
    assert f'href="{BASE}cards/' in html


def test_one_click_unsubscribe_needs_the_right_token_for_the_right_address(
    session: Session,
) -> None:
    jana = make_user(session, role=Role.lotse, name="Jana Kuhn")
    ole = make_user(session, role=Role.lotse, name="Ole Bauer")
    by_name = {r.name: r for r in subscriptions.recipients(session)}
    token = subscriptions.unsubscribe_token(by_name["Jana Kuhn"], secret=SECRET)
    with pytest.raises(NotFound):
        subscriptions.unsubscribe(session, token=token, secret="another-instance")
    with pytest.raises(NotFound):
        subscriptions.unsubscribe(session, token=token[:-2] + "xx", secret=SECRET)
    # A token made for one recipient but naming another's address does nothing.
    forged = subscriptions._serializer(SECRET).dumps({"r": f"u{ole.id}", "e": jana.email})
    with pytest.raises(NotFound):
        subscriptions.unsubscribe(session, token=forged, secret=SECRET)
    done = subscriptions.unsubscribe(session, token=token, secret=SECRET)
    assert done.email == jana.email
    assert [r.name for r in subscriptions.recipients(session)] == ["Ole Bauer"]
    # The second click is harmless.
    assert subscriptions.unsubscribe(session, token=token, secret=SECRET).email == jana.email
