"""Sending the weekly digest through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from app import clock
from app.accounts.models import Role
from app.db import Database
from app.digest import content, schedule, sending
from app.digest.models import DeliveryStatus, DigestDelivery, DigestSubscription
from app.settings import Settings
from tests.factories import make_board, make_card, make_department, make_user
from tests.mailserver import Inbox

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = content.Week(2026, 48)
MONDAY_7 = datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN)


@pytest.fixture
def people(session: Session) -> dict[str, Any]:
    """A week with news on the open board, a restricted board, and four kinds of recipient."""
    with clock.frozen_at(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)):
        board = make_board(session, name="Maßnahmen 2026")
        bau = make_department(session, name="Bauamt", code="BA")
        make_card(session, board, title="Bauantrag online", department_id=bau.id)
        admin = make_user(session, role=Role.admin, name="Dana Weber", email="cdo@musterstadt.de")
        lotse = make_user(session, role=Role.lotse, name="Jana Kuhn", email="jana@musterstadt.de")
        make_user(session, role=Role.viewer, name="Gast", email="gast@musterstadt.de")
        session.add(
            DigestSubscription(
                email="buergermeisterin@musterstadt.de", name="Bürgermeisterin", created_by="CDO"
            )
        )
        session.commit()
    return {"admin": admin, "lotse": lotse, "board": board}


def deliveries(db: Database) -> dict[str, str]:
    with db.session() as session:
        return {row.email: row.status for row in session.exec(select(DigestDelivery))}


def test_each_recipient_gets_the_week_once_even_when_sent_twice(
    db: Database, mailing: Settings, inbox: Inbox, people: dict[str, Any]
) -> None:
    mailer = sending.smtp_mailer(mailing)
    with clock.frozen_at(MONDAY_7):
        first = sending.send_week(db, week=WEEK, settings=mailing, mailer=mailer)
        again = sending.send_week(db, week=WEEK, settings=mailing, mailer=mailer)
    expected = ["buergermeisterin@musterstadt.de", "cdo@musterstadt.de", "jana@musterstadt.de"]
    assert sorted(first.sent) == expected and again.sent == []
    assert inbox.to() == expected  # the viewer did not opt in: no mail
    for message in inbox.messages:
        assert message["Subject"] == "Wochenübersicht KW 48: 1 neue Maßnahme, 0 offene Widerstände"
        plain = message.get_body(("plain",)).get_content()
        assert "https://lotsen.musterstadt.de/cards/" in plain
        assert message.get_body(("html",)) is not None
    assert set(deliveries(db).values()) == {DeliveryStatus.sent}


def test_a_refused_address_is_reported_and_the_others_delivered(
    db: Database, mailing: Settings, inbox: Inbox, people: dict[str, Any]
) -> None:
    inbox.refuse.add("jana@musterstadt.de")
    mailer = sending.smtp_mailer(mailing)
    with clock.frozen_at(MONDAY_7):
        outcome = sending.send_week(db, week=WEEK, settings=mailing, mailer=mailer)
    assert outcome.refused == ["jana@musterstadt.de"]
    assert "jana@musterstadt.de" not in inbox.to() and len(inbox.messages) == 2
    with clock.frozen_at(MONDAY_7 + timedelta(days=1)):
        later = sending.send_week(db, week=WEEK, settings=mailing, mailer=mailer)
    assert later.sent == [] and later.refused == []  # a permanent refusal is not tried again
    assert deliveries(db)["jana@musterstadt.de"] == DeliveryStatus.refused


def test_a_mail_server_that_is_down_gets_the_mail_once_it_is_back(
    db: Database, mailing: Settings, smtp_port: int, people: dict[str, Any]
) -> None:
    mailer = sending.smtp_mailer(mailing)
    with clock.frozen_at(MONDAY_7):
        down = sending.send_week(db, week=WEEK, settings=mailing, mailer=mailer)
    assert len(down.failed) == 3 and down.sent == []
    back = Inbox()
    server = Controller(back, hostname="127.0.0.1", port=smtp_port)
    server.start()
    try:
        with clock.frozen_at(MONDAY_7 + timedelta(minutes=1)):
            too_soon = sending.send_week(db, week=WEEK, settings=mailing, mailer=mailer)
        assert too_soon.sent == [] and back.messages == []  # waits for its retry time
        with clock.frozen_at(MONDAY_7 + timedelta(minutes=6)):
            retried = sending.send_week(db, week=WEEK, settings=mailing, mailer=mailer)
    finally:
        server.stop()
    assert len(retried.sent) == 3 and len(back.messages) == 3
    with db.session() as session:
        attempts = {row.email: row.attempts for row in session.exec(select(DigestDelivery))}
    assert set(attempts.values()) == {2}


def test_a_send_that_lost_its_process_is_shown_not_repeated(
    db: Database, mailing: Settings, inbox: Inbox, people: dict[str, Any]
) -> None:
    with clock.frozen_at(MONDAY_7), db.session(write=True) as session:
        session.add(
            DigestDelivery(
                recipient=f"u{people['admin'].id}",
                week=WEEK.label,
                email="cdo@musterstadt.de",
                status=DeliveryStatus.sending,
                attempts=1,
            )
        )
        session.commit()
    with clock.frozen_at(MONDAY_7 + timedelta(minutes=30)):
        outcome = sending.send_week(
            db, week=WEEK, settings=mailing, mailer=sending.smtp_mailer(mailing)
        )
    assert outcome.uncertain == ["cdo@musterstadt.de"]
    assert "cdo@musterstadt.de" not in inbox.to()
    assert deliveries(db)["cdo@musterstadt.de"] == DeliveryStatus.uncertain


def test_only_one_process_holds_the_lease_until_it_expires(db: Database) -> None:
    with clock.frozen_at(MONDAY_7):
        assert sending.take_lease(db, who="host-a:1", seconds=120)
        assert not sending.take_lease(db, who="host-b:2", seconds=120)
        assert sending.take_lease(db, who="host-a:1", seconds=120)  # renewed
    with clock.frozen_at(MONDAY_7 + timedelta(seconds=121)):
        assert sending.take_lease(db, who="host-b:2", seconds=120)


def test_the_schedule_says_when_a_week_is_due(mailing: Settings) -> None:
    assert not sending.due(WEEK, mailing, MONDAY_7 - timedelta(minutes=1))
    assert sending.due(WEEK, mailing, MONDAY_7)
    later = mailing.model_copy(update={"digest_schedule": "Tue 09:30"})
    assert not sending.due(WEEK, later, MONDAY_7 + timedelta(days=1))
    assert sending.due(WEEK, later, datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN))


def test_the_schedule_in_two_processes_sends_each_recipient_once(
    db: Database, mailing: Settings, inbox: Inbox, people: dict[str, Any]
) -> None:
    mailer = sending.smtp_mailer(mailing)
    with clock.frozen_at(MONDAY_7 - timedelta(minutes=1)):
        assert schedule.tick(db, mailing, who="host-a:1", mailer=mailer) is None  # not yet
    with clock.frozen_at(MONDAY_7 + timedelta(seconds=20)):
        first = schedule.tick(db, mailing, who="host-a:1", mailer=mailer)
        second = schedule.tick(db, mailing, who="host-b:7", mailer=mailer)
    assert isinstance(first, sending.Outcome) and len(first.sent) == 3
    assert second is None  # the other process holds the lease
    with clock.frozen_at(MONDAY_7 + timedelta(hours=1)):
        later = schedule.tick(db, mailing, who="host-b:7", mailer=mailer)
    assert isinstance(later, sending.Outcome) and later.sent == []  # nothing twice
    assert len(inbox.messages) == 3


def test_each_recipient_reads_the_mail_in_the_language_they_chose(
    db: Database, session: Session, mailing: Settings, inbox: Inbox, people: dict[str, Any]
) -> None:
    lotse = people["lotse"]
    lotse.language = "en"
    session.add(lotse)
    session.add(
        DigestSubscription(email="personalrat@musterstadt.de", name="Personalrat", language="en")
    )
    session.commit()
    with clock.frozen_at(MONDAY_7):
        sending.send_week(db, week=WEEK, settings=mailing, mailer=sending.smtp_mailer(mailing))
    subjects = {str(m["To"].addresses[0].addr_spec): str(m["Subject"]) for m in inbox.messages}
    english = "Weekly summary, week 48: 1 new measure, 0 open resistances"
    german = "Wochenübersicht KW 48: 1 neue Maßnahme, 0 offene Widerstände"
    assert subjects == {
        "jana@musterstadt.de": english,
        "personalrat@musterstadt.de": english,
        "cdo@musterstadt.de": german,
        "buergermeisterin@musterstadt.de": german,
    }
    jana = next(m for m in inbox.messages if "jana" in str(m["To"]))
    plain = jana.get_body(("plain",)).get_content()
    html = jana.get_body(("html",)).get_content()
    assert plain.startswith("Hello Jana Kuhn,") and 'lang="en"' in html
    assert "Wochenübersicht" not in plain + html
