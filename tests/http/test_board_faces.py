"""The board page and the screen show every change at the next view, whatever kind of event
made it, although card faces are rendered once per look (app.web.templating.card_face); and
no one gets a face in another's language."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app import clock
from app.accounts import tokens
from app.boards import service as boards
from app.boards.models import BoardUpdate, PhaseUpdate
from app.cards import service as cards
from app.cards.models import CardUpdate
from app.people import service as people
from app.people.models import DepartmentUpdate, LotseUpdate
from tests.factories import (
    ACTOR,
    make_annotation,
    make_board,
    make_card,
    make_department,
    make_lotse,
)
from tests.helpers import fresh


def test_every_kind_of_change_shows_at_the_next_view(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    board = make_board(session, name="Maßnahmen 2026")
    bau = make_department(session, name="Bauamt", code="BA", colour="#1f6f8b")
    jana = make_lotse(session, name="Jana Kuhn", department_id=bau.id)
    card = make_card(
        session, board, title="Bauantrag online", department_id=bau.id, lotse_id=jana.id
    )
    screen, _link = tokens.create_screen_link(
        session, board_id=board.id or 0, name="Sitzungsraum", actor=ACTOR
    )
    wall = TestClient(app)
    page = f"/boards/{board.id}?all=1"

    def shown() -> str:
        return client.get(page).text

    def on_screen() -> str:
        return wall.get(f"/screen/{screen}").text.replace("\u00ad", "")

    assert "Bauantrag online" in shown() and "Bauantrag online" in on_screen()

    cards.update_card(
        session,
        card_id=card.id or 0,
        data=CardUpdate(version=card.version, title="E-Bauantrag"),
        actor=ACTOR,
    )
    assert "E-Bauantrag" in shown() and "E-Bauantrag" in on_screen()

    make_annotation(session, fresh(session).get(type(card), card.id), text="Datenschutz ungeklärt")
    assert "1 Bedenken" in shown() and "1 Bedenken" in on_screen()

    people.update_department(
        session,
        department_id=bau.id or 0,
        data=DepartmentUpdate(code="BAU", colour="#000000"),
        actor=ACTOR,
    )
    assert ">BAU<" in shown() and "--dept: #000000" in on_screen()

    people.update_lotse(
        session, lotse_id=jana.id or 0, data=LotseUpdate(name="Jana Weber"), actor=ACTOR
    )
    assert "Jana Weber" in shown() and "Jana Weber" in on_screen()

    phase = boards.list_phases(session, board_id=board.id)[0]
    boards.update_phase(
        session,
        board_id=board.id or 0,
        phase_id=phase.id or 0,
        data=PhaseUpdate(name="Ideensammlung"),
        actor=ACTOR,
    )
    assert "Ideensammlung" in shown()

    # The board counts a measure as stuck after one day: a face two days in its phase says so.
    boards.update_board(
        session, board_id=board.id or 0, data=BoardUpdate(stuck_after_days=1), actor=ACTOR
    )
    assert "Tage in dieser Phase" not in shown()
    with clock.frozen_at(datetime.now(UTC) - timedelta(days=2)):
        make_card(session, board, title="Schon lange hier")
    assert "2 Tage in dieser Phase" in shown() and "2 Tage in dieser Phase" in on_screen()


def test_no_one_gets_a_face_in_another_language(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    board = make_board(session, name="Maßnahmen 2026")
    make_card(session, board, title="Chatbot", priority="urgent")
    page = f"/boards/{board.id}?all=1"
    seen = {}
    for language in ("de", "en", "de again"):
        client.cookies.set("lotsenboard_lang", language[:2])
        seen[language] = client.get(page).text
    german, english, again = seen["de"], seen["en"], seen["de again"]
    assert "Priorität: dringend" in german and "Priorität: dringend" in again
    assert "Priority: urgent" in english and "Priorität" not in english


def test_addresses_are_looked_up_once_per_app(
    app: FastAPI, client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = make_board(session)
    for number in range(3):
        make_card(session, board, title=f"Maßnahme {number}")
    page = f"/boards/{board.id}?all=1"
    first = client.get(page).text
    lookups: list[str] = []
    look_up = app.router.url_path_for

    def counted(name: str, /, **params: object) -> object:
        lookups.append(name)
        return look_up(name, **params)

    monkeypatch.setattr(app.router, "url_path_for", counted)
    assert client.get(page).text == first
    assert lookups == []
