"""The weekly digest's admin page through the real app: the mail settings in effect and a test
mail through a real SMTP server, external recipients, the preview as mailed, the delivery log."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app import clock
from app.accounts.models import Role
from app.db import Database
from app.digest import content, sending, subscriptions
from app.digest.models import DeliveryStatus, DigestDelivery
from app.settings import Settings
from tests.factories import make_board, make_card, make_department, make_user
from tests.helpers import dump, fresh
from tests.http.test_security import bearer
from tests.mailserver import Inbox

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = content.Week(2026, 48)
PAGE = "/settings/wochenuebersicht"
HTML = {"Accept": "text/html"}


@pytest.fixture
def mail_app(app: FastAPI, mailing: Settings) -> FastAPI:
    """The app as a server with a mail server set (and a password it must never show; the
    test server takes mail without a login, so no user name)."""
    app.state.settings = mailing.model_copy(update={"smtp_password": "Geheim-Kennwort-42"})
    return app


@pytest.fixture
def week(session: Session) -> dict[str, Any]:
    """Week 48 with news in two departments."""
    with clock.frozen_at(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)):
        board = make_board(session, name="Maßnahmen 2026")
        bau = make_department(session, name="Bauamt", code="BA")
        ordnung = make_department(session, name="Ordnungsamt", code="OA")
        make_card(session, board, title="Bauantrag online", department_id=bau.id)
        make_card(session, board, title="Gewerbeanmeldung digital", department_id=ordnung.id)
    return {"board": board, "bau": bau, "ordnung": ordnung}


def test_the_page_shows_the_mail_settings_in_effect_but_never_the_password(
    mail_app: FastAPI, client: TestClient
) -> None:
    page = client.get(PAGE)
    assert page.status_code == 200
    text = page.text
    assert "Geheim-Kennwort-42" not in text
    assert "gesetzt (nicht angezeigt)" in text
    assert f"127.0.0.1:{mail_app.state.settings.smtp_port}" in text
    assert "lotsen@musterstadt.de" in text and "https://lotsen.musterstadt.de" in text
    assert "jeden Montag um 07:00 Uhr" in text
    assert "Es werden keine Mails gesendet" not in text


def test_without_a_mail_server_the_page_says_so_and_the_test_mail_is_refused(
    app: FastAPI, client: TestClient, db: Database
) -> None:
    page = client.get(PAGE).text
    assert "Es werden keine Mails gesendet" in page and "nicht eingestellt" in page
    before = dump(db)
    refused = client.post(f"{PAGE}/testmail", data={"to": "cdo@example.org"}, headers=HTML)
    assert refused.status_code == 409 and "kein Mailserver eingestellt" in refused.text
    assert dump(db) == before


def test_a_test_mail_reaches_the_mail_server_or_the_page_says_why_not(
    mail_app: FastAPI, client: TestClient, inbox: Inbox
) -> None:
    sent = client.post(f"{PAGE}/testmail", data={"to": "cdo@musterstadt.de"}, headers=HTML)
    assert sent.status_code == 200
    assert "Der Mailserver hat die Testmail an cdo@musterstadt.de angenommen." in sent.text
    assert inbox.to() == ["cdo@musterstadt.de"]
    assert inbox.messages[0]["Subject"] == "Lotsenboard-Testmail"
    assert inbox.messages[0]["Auto-Submitted"] == "auto-generated"

    inbox.refuse.add("niemand@musterstadt.de")
    refused = client.post(f"{PAGE}/testmail", data={"to": "niemand@musterstadt.de"}, headers=HTML)
    assert refused.status_code == 502
    assert "Der Mailserver hat die Testmail nicht angenommen" in refused.text
    assert "550" in refused.text

    bad = client.post(f"{PAGE}/testmail", data={"to": "kein Mail"}, headers=HTML)
    assert bad.status_code == 422 and "keine gültige E-Mail-Adresse" in bad.text
    assert len(inbox.messages) == 1


def test_only_admins_see_the_digest_administration(
    app: FastAPI, db: Database, session: Session
) -> None:
    lotse = bearer(app, db, make_user(session, role=Role.lotse))
    assert lotse.get(PAGE).status_code == 403
    assert lotse.post(f"{PAGE}/extern", data={"name": "X", "email": "x@y.de"}).status_code == 403
    assert lotse.get(f"{PAGE}/vorschau/u1").status_code == 403


def test_an_admin_adds_changes_and_removes_an_external_recipient(
    app: FastAPI, client: TestClient, db: Database, session: Session, week: dict[str, Any]
) -> None:
    bau = week["bau"]
    added = client.post(
        f"{PAGE}/extern",
        data={
            "name": "Bürgermeisterin Roth",
            "email": "Buergermeisterin@Musterstadt.de",
            "department_ids": str(bau.id),
            "language": "",
        },
    )
    assert added.status_code == 200 and "Bürgermeisterin Roth" in added.text
    [external] = [r for r in subscriptions.recipients(fresh(session)) if r.user is None]
    assert (external.email, external.department_ids) == (
        "buergermeisterin@musterstadt.de",
        [bau.id],
    )

    before = dump(db)
    for data, status, says in [
        ({"name": "Personalrat", "email": "kein-mail"}, 422, "E-Mail"),
        ({"name": "", "email": "pr@musterstadt.de"}, 422, "Name"),
        (
            {"name": "Personalrat", "email": "pr@musterstadt.de", "department_ids": "999"},
            422,
            "999",
        ),
        ({"name": "Personalrat", "email": "pr@musterstadt.de", "language": "fr"}, 422, "Sprache"),
        ({"name": "Zweimal", "email": "buergermeisterin@musterstadt.de"}, 409, "schon"),
    ]:
        refused = client.post(f"{PAGE}/extern", data=data, headers=HTML)
        assert refused.status_code == status, data
        assert says in refused.text, data
    assert dump(db) == before

    key = external.key
    changed = client.post(
        f"{PAGE}/extern/{key[1:]}",
        data={
            "name": "Bürgermeisterin Roth",
            "email": "buergermeisterin@musterstadt.de",
            "department_ids": [str(bau.id), str(week["ordnung"].id)],
            "language": "en",
        },
    )
    assert changed.status_code == 200
    # Not ticked "receives the summary": paused, kept.
    assert [r for r in subscriptions.recipients(fresh(session)) if r.user is None] == []
    paused = subscriptions.recipient_of(fresh(session), key)
    assert (sorted(paused.department_ids), paused.language) == (
        sorted([bau.id, week["ordnung"].id]),
        "en",
    )
    assert client.post(f"{PAGE}/extern/{key[1:]}/entfernen").status_code == 200
    assert subscriptions.list_externals(fresh(session)) == []
    assert client.post(f"{PAGE}/extern/{key[1:]}/entfernen", headers=HTML).status_code == 404


def test_the_preview_shows_a_recipients_digest_as_mailed_in_their_language(
    mail_app: FastAPI, client: TestClient, session: Session, week: dict[str, Any]
) -> None:
    jana = make_user(session, role=Role.lotse, name="Jana Kuhn", email="jana@musterstadt.de")
    page = client.get(f"{PAGE}/vorschau/u{jana.id}?woche=2026-W48")
    assert page.status_code == 200
    assert "Wochenübersicht KW 48: 2 neue Maßnahmen, 0 offene Widerstände" in page.text
    assert "jana@musterstadt.de" in page.text and "Bauantrag online" in page.text  # text part

    mail = client.get(f"{PAGE}/vorschau/u{jana.id}/mail?woche=2026-W48")
    assert mail.status_code == 200
    assert "Gewerbeanmeldung digital" in mail.text and "<table" in mail.text
    assert "https://lotsen.musterstadt.de/cards/" in mail.text
    # Only its own inline styles: no script, nothing loaded, framed only by this site.
    policy = mail.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert mail.headers["x-frame-options"] == "SAMEORIGIN"

    jana.language = "en"
    session.add(jana)
    session.commit()
    english = client.get(f"{PAGE}/vorschau/u{jana.id}?woche=2026-W48").text
    assert "Weekly summary, week 48: 2 new measures, 0 open resistances" in english
    assert "Hello Jana Kuhn," in english

    assert client.get(f"{PAGE}/vorschau/u999999?woche=2026-W48", headers=HTML).status_code == 404
    assert client.get(f"{PAGE}/vorschau/u{jana.id}?woche=2026-W99", headers=HTML).status_code == 422
    assert client.get(f"{PAGE}/vorschau/z1", headers=HTML).status_code == 422


def test_the_delivery_log_shows_a_refusal_and_an_admin_sends_it_again(
    mail_app: FastAPI,
    client: TestClient,
    db: Database,
    session: Session,
    inbox: Inbox,
    week: dict[str, Any],
) -> None:
    make_user(session, role=Role.lotse, name="Jana Kuhn", email="jana@musterstadt.de")
    settings = mail_app.state.settings
    inbox.refuse.add("jana@musterstadt.de")
    with clock.frozen_at(datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN)):
        sending.send_week(db, week=WEEK, settings=settings, mailer=sending.smtp_mailer(settings))
    log = client.get(PAGE).text
    assert "vom Mailserver abgewiesen" in log and "550" in log
    refused = (
        fresh(session)
        .exec(select(DigestDelivery).where(DigestDelivery.email == "jana@musterstadt.de"))
        .one()
    )
    sent = (
        fresh(session)
        .exec(select(DigestDelivery).where(DigestDelivery.status == DeliveryStatus.sent))
        .one()
    )
    assert len(inbox.messages) == 1  # the admin's

    # A sent delivery is never sent again from here.
    before = dump(db)
    twice = client.post(f"{PAGE}/versand/{sent.id}/erneut", headers=HTML)
    assert twice.status_code == 409 and len(inbox.messages) == 1
    assert dump(db) == before

    inbox.refuse.clear()  # the address was set up meanwhile
    again = client.post(f"{PAGE}/versand/{refused.id}/erneut")
    assert again.status_code == 200
    assert inbox.to() == ["cdo@example.org", "jana@musterstadt.de"]
    row = fresh(session).get(DigestDelivery, refused.id)
    assert row is not None and (row.status, row.attempts) == (DeliveryStatus.sent, 2)
    assert client.post(f"{PAGE}/versand/999999/erneut", headers=HTML).status_code == 404


def test_choosing_english_on_the_site_makes_the_mails_english(
    app: FastAPI, db: Database, session: Session
) -> None:
    jana = make_user(session, role=Role.lotse, name="Jana Kuhn")
    client = bearer(app, db, jana)
    client.post("/sprache", data={"language": "en"})
    [mine] = [r for r in subscriptions.recipients(fresh(session)) if r.user]
    assert mine.language == "en"
    # And back through the account page: German mails, whatever the site is set to.
    client.post("/account/wochenuebersicht", data={"active": "true", "language": "de"})
    [mine] = [r for r in subscriptions.recipients(fresh(session)) if r.user]
    assert mine.language == "de"
    before = dump(db)
    refused = client.post(
        "/account/wochenuebersicht", data={"active": "true", "language": "fr"}, headers=HTML
    )
    assert refused.status_code == 422 and dump(db) == before
