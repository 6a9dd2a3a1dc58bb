"""Sending the weekly digest: every recipient's mail of a week at most once, none lost silently.

Order per recipient: the delivery row is committed as `sending`, then the mail is handed to the
mail server, then the row becomes `sent` (or `failed`, `refused`). If the process dies after the
server accepted the mail but before the last commit, the row stays `sending`; the next run marks
it `uncertain` and the admin page shows it, instead of sending it again. The trade-off: in that
split-second window a recipient gets no duplicate (which cannot be taken back and teaches people
to ignore the mail), and nothing is lost unnoticed either — an admin sees it and may send again.

Only the holder of the `digest` lease sends, so several workers or hosts never send together.
"""

import logging
import os
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import clock
from app.accounts.models import User
from app.boards.service import list_boards
from app.db import Database
from app.digest import content, mail
from app.digest.content import Digest, Week
from app.digest.models import DeliveryStatus, DigestDelivery, JobLease
from app.digest.subscriptions import Recipient, recipients
from app.digest.texts import DAYS
from app.errors import Conflict, NotFound
from app.events import service as events
from app.settings import Settings
from app.web.i18n import gettext, speaking

log = logging.getLogger("lotsenboard.digest")

LEASE = "digest"
STALE_SENDING = timedelta(minutes=10)  # a `sending` row older than this lost its process
FIRST_RETRY = timedelta(minutes=5)
LAST_RETRY = timedelta(hours=6)
DIGEST_SENT_AGAIN = "digest.sent_again"
PERMANENT = 500  # SMTP replies from 500 on: the address will not take the mail

Mailer = Callable[[EmailMessage], None]
AGAIN = (DeliveryStatus.failed, DeliveryStatus.refused, DeliveryStatus.uncertain)


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)


def configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.mail_from)


def smtp_mailer(settings: Settings) -> Mailer:
    """Hands one message to the configured mail server (TLS as configured, verified)."""

    def send(message: EmailMessage) -> None:
        context = ssl.create_default_context()
        timeout = settings.smtp_timeout_seconds
        server: smtplib.SMTP
        if settings.smtp_security == "ssl":
            server = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
            )
        else:
            server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with server:
            if settings.smtp_security == "starttls":
                server.starttls(context=context)
            if settings.smtp_username:
                server.login(settings.smtp_username, settings.smtp_password)
            server.send_message(message)

    return send


def digest_of(session: Session, recipient: Recipient, week: Week) -> Digest:
    """What this recipient reads: an account what it may read now; an external recipient the
    boards open to every account."""
    if recipient.user is not None:
        user = session.get(User, recipient.user.id) or recipient.user
        return content.for_user(
            session,
            user=user,
            week=week,
            board_ids=recipient.board_ids,
            department_ids=recipient.department_ids,
        )
    open_boards = [
        b
        for b in list_boards(session)
        if not b.restricted and (not recipient.board_ids or b.id in recipient.board_ids)
    ]
    return content.for_boards(
        session,
        name=recipient.name,
        email=recipient.email,
        week=week,
        boards=open_boards,
        department_ids=recipient.department_ids,
    )


def _retry_after(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)


def _delivery(session: Session, key: str, week: Week) -> DigestDelivery | None:
    return session.exec(
        select(DigestDelivery).where(
            DigestDelivery.recipient == key, DigestDelivery.week == week.label
        )
    ).first()


def message_for(
    session: Session, recipient: Recipient, week: Week, settings: Settings
) -> tuple[Digest, EmailMessage]:
    """The recipient's digest and mail, in the recipient's language."""
    with speaking(recipient.language):
        found = digest_of(session, recipient, week)
        message = mail.build(
            found,
            recipient,
            base_url=settings.base_url,
            mail_from=settings.mail_from,
            secret=settings.resolved_secret_key(),
        )
    return found, message


def send_week(
    db: Database,
    *,
    week: Week,
    settings: Settings,
    mailer: Mailer,
    only: set[str] | None = None,
) -> Outcome:
    """Send the week's digest to everyone (or those `only` names) who has not had it; retry
    those whose time has come. Safe to run again and again (the CLI, the schedule, an admin):
    a sent mail is never sent twice."""
    outcome = Outcome()
    now = clock.now()
    with db.session(write=True) as session:
        stale = session.exec(
            select(DigestDelivery)
            .where(DigestDelivery.week == week.label)
            .where(DigestDelivery.status == DeliveryStatus.sending)
            .where(col(DigestDelivery.updated_at) < now - STALE_SENDING)
        ).all()
        for row in stale:
            row.status = DeliveryStatus.uncertain
            row.last_error = "the sending process stopped before the server's answer was kept"
            row.updated_at = now
            session.add(row)
            outcome.uncertain.append(row.email)
        session.commit()
        everyone = recipients(session)
    for recipient in everyone:
        if only is not None and recipient.key not in only:
            continue
        with db.session(write=True) as session:
            existing = _delivery(session, recipient.key, week)
            if existing is not None and (
                existing.status != DeliveryStatus.failed
                or (existing.next_attempt_at is not None and existing.next_attempt_at > now)
            ):
                continue
            found, message = message_for(session, recipient, week, settings)
            row = existing or DigestDelivery(recipient=recipient.key, week=week.label, email="")
            row.email = recipient.email
            row.updated_at = now
            if recipient.skip_empty and found.empty:
                row.status = DeliveryStatus.skipped
                if not _kept(session, row):
                    continue
                outcome.skipped.append(recipient.email)
                continue
            row.status = DeliveryStatus.sending
            row.attempts += 1
            row.message_id = str(message["Message-ID"])
            if not _kept(session, row):
                continue  # another sender claimed this recipient's week first
            status, error = _hand_over(mailer, message)
            row.status = status
            row.last_error = error[:500]
            row.updated_at = clock.now()
            row.next_attempt_at = (
                clock.now() + _retry_after(row.attempts)
                if status == DeliveryStatus.failed
                else None
            )
            session.add(row)
            session.commit()
            {
                DeliveryStatus.sent: outcome.sent,
                DeliveryStatus.failed: outcome.failed,
                DeliveryStatus.refused: outcome.refused,
            }[status].append(recipient.email)
            if status != DeliveryStatus.sent:
                log.warning("digest %s to %s: %s (%s)", week.label, recipient.email, status, error)
    return outcome


def send_again(
    db: Database, *, delivery_id: int, settings: Settings, mailer: Mailer, actor: str
) -> Outcome:
    """An admin's decision to send a delivery that failed, was refused or is uncertain once
    more, now (the admin has checked the address or the mail server, or accepts that an
    uncertain one may arrive twice). A sent or skipped delivery is not sent again."""
    with db.session(write=True) as session:
        row = session.get(DigestDelivery, delivery_id)
        if row is None:
            raise NotFound("delivery", delivery_id)
        if row.status not in AGAIN:
            raise Conflict("only a failed, refused or uncertain delivery can be sent again")
        row.status = DeliveryStatus.failed
        row.next_attempt_at = None
        session.add(row)
        events.append(
            session,
            board_id=None,
            type=DIGEST_SENT_AGAIN,
            actor=actor,
            payload={"recipient": row.recipient, "week": row.week},
        )
        events.commit(session)
        key, label = row.recipient, row.week
    return send_week(db, week=content.week_of(label), settings=settings, mailer=mailer, only={key})


def test_mail(settings: Settings, *, to: str, mailer: Mailer) -> str:
    """Hand one short mail to the configured server; the server's complaint, or empty."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = gettext("Lotsenboard test mail")
    message["From"] = settings.mail_from
    message["To"] = to
    message["Date"] = format_datetime(clock.now())
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        gettext(
            "This mail shows that Lotsenboard can send through %(host)s. "
            "The weekly summary goes out the same way.",
            host=settings.smtp_host,
        )
        + "\n"
    )
    status, error = _hand_over(mailer, message)
    return "" if status == DeliveryStatus.sent else error


def _kept(session: Session, row: DigestDelivery) -> bool:
    """Commit the row; False when a row for this recipient and week appeared meanwhile."""
    session.add(row)
    return _committed(session)


def _hand_over(mailer: Mailer, message: EmailMessage) -> tuple[DeliveryStatus, str]:
    """Hand the message over; the outcome and, if it failed, the server's answer as an admin
    reads it ("550 5.1.1 No such mailbox")."""
    try:
        mailer(message)
    except smtplib.SMTPRecipientsRefused as refused:
        answers = list(refused.recipients.values())
        permanent = all(code >= PERMANENT for code, _text in answers)
        status = DeliveryStatus.refused if permanent else DeliveryStatus.failed
        return status, "; ".join(_answer(code, text) for code, text in answers)
    except smtplib.SMTPResponseException as answer:
        permanent = answer.smtp_code >= PERMANENT
        status = DeliveryStatus.refused if permanent else DeliveryStatus.failed
        return status, _answer(answer.smtp_code, answer.smtp_error)
    except (smtplib.SMTPException, OSError) as trouble:
        return DeliveryStatus.failed, f"{type(trouble).__name__}: {trouble}"
    return DeliveryStatus.sent, ""


def _answer(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {said}"


def holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def take_lease(db: Database, *, name: str = LEASE, who: str, seconds: float) -> bool:
    """Take or renew the job's lease; False while another process holds it unexpired."""
    now = clock.now()
    with db.session(write=True) as session:
        lease = session.get(JobLease, name, with_for_update=True)
        if lease is None:
            session.add(
                JobLease(name=name, holder=who, expires_at=now + timedelta(seconds=seconds))
            )
            return _committed(session)
        if lease.holder != who and lease.expires_at > now:
            session.rollback()
            return False
        lease.holder = who
        lease.expires_at = now + timedelta(seconds=seconds)
        session.add(lease)
        return _committed(session)


def _committed(session: Session) -> bool:
    """Commit; False when another process wrote the same unique row first."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def due(week: Week, settings: Settings, now: datetime) -> bool:
    """Whether the schedule's moment after `week` has come (e.g. the Monday 07:00 after it)."""
    day, at = settings.digest_schedule.split()
    weekday = DAYS.index(day)
    hour, minute = (int(part) for part in at.split(":"))
    moment = week.end + timedelta(days=weekday, hours=hour, minutes=minute)
    return now >= moment
