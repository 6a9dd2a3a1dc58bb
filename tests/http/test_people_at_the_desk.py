"""Accounts and lotsen are one person: the lotse's start view, the remembered view, what each
role is offered, password reset links, and boards made and kept in the UI."""

import re
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app import clock
from app.accounts import resets
from app.accounts import service as accounts
from app.accounts.models import Role, UserCreate, UserUpdate
from app.boards import service as boards
from app.db import Database
from app.errors import Conflict
from app.events import service as events
from tests.factories import ACTOR, make_board, make_card, make_department, make_lotse, make_user
from tests.helpers import dump, fresh
from tests.http.test_security import bearer, login


def test_an_account_is_linked_to_its_lotse_by_choice_or_by_email(session: Session) -> None:
    bau = make_department(session, name="Bauamt", code="BA")
    jana = make_lotse(session, name="Jana Kuhn", department_id=bau.id, email="jana@stadt.de")
    other = make_lotse(session, name="Stefan Richter", department_id=bau.id)
    by_email = accounts.create_user(
        session,
        data=UserCreate(email="Jana@Stadt.de", name="Jana Kuhn", password="x" * 12),
        actor=ACTOR,
    )
    assert by_email.lotse_id == jana.id
    chosen = make_user(session, lotse_id=other.id)
    assert chosen.lotse_id == other.id
    try:
        make_user(session, lotse_id=jana.id)
    except Conflict as taken:
        assert taken.extra["field"] == "lotse_id"
    else:
        raise AssertionError("a lotse got a second account")
    session.rollback()
    unlinked = accounts.update_user(
        session, user_id=chosen.id, data=UserUpdate(lotse_id=None), actor=ACTOR
    )
    assert unlinked.lotse_id is None


def _lotse_client(app: FastAPI, db: Database, session: Session) -> tuple[TestClient, Any]:
    bau = make_department(session, name="Bauamt", code="BA")
    lotse = make_lotse(session, name="Jana Kuhn", department_id=bau.id)
    user = make_user(session, role=Role.lotse, lotse_id=lotse.id)
    client = TestClient(app)
    login(client, user.email)
    return client, lotse


def test_a_lotse_starts_with_their_measures_and_the_board_remembers_the_last_view(
    app: FastAPI, db: Database, session: Session
) -> None:
    client, lotse = _lotse_client(app, db, session)
    board = make_board(session)
    mine = make_card(session, board, title="Meine Maßnahme", lotse_id=lotse.id)
    make_card(session, board, title="Fremde Maßnahme")
    home = client.get("/").text
    assert f'/boards/{board.id}?lotse={lotse.id}">Meine Maßnahmen (1)</a>' in home
    start = client.get(f"/boards/{board.id}", follow_redirects=False)
    assert start.status_code == 303
    assert start.headers["location"] == f"/boards/{board.id}?lotse={lotse.id}"
    page = client.get(start.headers["location"]).text
    assert f'id="card-{mine.id}"' in page and "Fremde Maßnahme" not in page
    assert 'aria-current="page">Meine Maßnahmen</a>' in page
    assert f'?department={lotse.department_id}">Mein Fachbereich</a>' in page
    # One click to the whole board; the next bare visit opens that again.
    client.get(f"/boards/{board.id}?all=1")
    again = client.get(f"/boards/{board.id}", follow_redirects=False)
    assert again.headers["location"] == f"/boards/{board.id}?all=1"
    client.get(f"/boards/{board.id}?group=department&tag=OZG", headers={"HX-Request": "true"})
    last = client.get(f"/boards/{board.id}", follow_redirects=False).headers["location"]
    assert last == f"/boards/{board.id}?tag=OZG&group=department"


def test_the_start_page_offers_each_role_only_what_it_may_open(
    app: FastAPI, db: Database, session: Session, client: TestClient
) -> None:
    make_board(session, name="Maßnahmen 2026")
    viewer = bearer(app, db, make_user(session, role=Role.viewer))
    for who, may in ((viewer, False), (client, True)):
        text = who.get("/").text
        assert ("/settings/departments" in text) is may
        assert ("Neues Board" in text) is may


def test_admins_make_rename_and_archive_boards_in_the_ui(
    client: TestClient, session: Session, db: Database
) -> None:
    made = client.post(
        "/boards", data={"name": "Smart City", "description": "Sensoren"}, follow_redirects=False
    )
    assert made.status_code == 303
    board_id = int(re.search(r"/boards/(\d+)/settings", made.headers["location"]).group(1))  # type: ignore[union-attr]
    assert [p.name for p in boards.list_phases(session, board_id=board_id)] == [
        "Ideenspeicher",
        "Priorisiert",
        "In Umsetzung",
        "Erledigt",
    ]
    renamed = client.post(
        f"/boards/{board_id}/details", data={"name": "Smart City 2027"}, follow_redirects=False
    )
    assert renamed.status_code == 303
    session.rollback()  # a fresh read, and this session may write again
    board = boards.get_board(session, board_id=board_id)
    assert board.name == "Smart City 2027"
    make_card(session, board)
    before = dump(db)
    asked = client.post(f"/boards/{board_id}/archived", data={"archived": "true"})
    assert "„Smart City 2027“ mit 1 Maßnahme archivieren?" in asked.text
    assert dump(db) == before
    done = client.post(
        f"/boards/{board_id}/archived",
        data={"archived": "true", "confirmed": "true"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert boards.get_board(fresh(session), board_id=board_id).archived
    refused = client.post("/boards", data={"name": "   "})
    assert refused.status_code == 422 and 'role="alert"' in refused.text


def test_a_reset_link_sets_a_new_password_once_ends_sessions_and_is_logged(
    app: FastAPI, client: TestClient, session: Session, db: Database
) -> None:
    user = make_user(session, role=Role.lotse, email="olga@stadt.de")
    old_browser = TestClient(app)
    login(old_browser, user.email)
    answer = client.post(f"/settings/users/{user.id}/reset")
    url = re.search(r'<code class="token">(http[^<]+/passwort/(lbr_[^<]+))</code>', answer.text)
    assert url is not None
    path = "/passwort/" + url.group(2)
    anonymous = TestClient(app)
    assert "Neues Passwort setzen" in anonymous.get(path).text
    differ = anonymous.post(path, data={"password": "ganz-neu-2026", "repeated": "anders-2026x"})
    assert differ.status_code == 422 and "stimmen nicht überein" in differ.text
    short = anonymous.post(path, data={"password": "kurz", "repeated": "kurz"})
    assert short.status_code == 422
    done = anonymous.post(
        path,
        data={"password": "ganz-neu-2026", "repeated": "ganz-neu-2026"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/login?reset=1"
    assert old_browser.get("/account", follow_redirects=False).status_code == 303  # ended
    login(TestClient(app), user.email, password="ganz-neu-2026")
    assert anonymous.get(path).status_code == 410  # once
    audit = [e.type for e in events.list_global_events(session)]
    assert "user.password_reset_created" in audit and "user.password_reset_used" in audit


def test_a_reset_link_expires(session: Session) -> None:
    user = make_user(session)
    plain = resets.create_reset(session, user=user, actor=ACTOR, hours=48)
    assert resets.resolve_reset(session, plain=plain) is not None
    with clock.frozen_at(clock.now() + timedelta(hours=48, seconds=1)):
        assert resets.resolve_reset(session, plain=plain) is None


def test_the_login_page_says_whom_to_ask_for_a_new_password(
    app: FastAPI, anon_client: TestClient
) -> None:
    app.state.settings.help_contact = "Dana Weber, Tel. 0123 456-78"
    text = anon_client.get("/login").text
    assert "Passwort vergessen?" in text
    assert "Bitte wenden Sie sich an: Dana Weber, Tel. 0123 456-78" in text
