"""The board's pages ask the database the same number of questions for 10 cards as for 500: no
query per card (the benchmark in bench/ measures the time; this guards the shape)."""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import clock
from app.accounts import tokens
from app.boards import service as boards
from app.cards import service as cards
from app.cards.models import CardMove
from app.db import Database
from app.web.answers import answers
from tests.factories import (
    ACTOR,
    make_annotation,
    make_board,
    make_card,
    make_department,
    make_lotse,
)

TAGS = ["OZG", "Förderung", "Datenschutz", "E-Akte"]


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _board(session: Session, size: int) -> tuple[int, str]:
    """A board of `size` cards spread over phases, departments, lotsen and tags, some with
    concerns; and a screen link for it."""
    rng = random.Random(size)
    board = make_board(session, name=f"Maßnahmen {size}")
    phases = boards.list_phases(session, board_id=board.id)
    departments = [make_department(session, name=f"Amt {size}-{n}").id for n in range(3)]
    lotsen = [make_lotse(session, name=f"Lotse {size}-{n}").id for n in range(3)]
    for number in range(size):
        card = make_card(
            session,
            board,
            department_id=rng.choice(departments),
            lotse_id=rng.choice(lotsen),
            tags=rng.sample(TAGS, rng.randint(0, 2)),
        )
        target = phases[number % len(phases)]
        if target.id != card.phase_id:
            cards.move_card(
                session,
                card_id=card.id or 0,
                move=CardMove(version=card.version, phase_id=target.id or 0, position=0),
                actor=ACTOR,
            )
        if number % 7 == 0:
            make_annotation(session, card)
    screen, _link = tokens.create_screen_link(
        session, board_id=board.id or 0, name="Sitzungsraum", actor=ACTOR
    )
    return board.id or 0, screen


def _minute() -> datetime:
    return clock.now().replace(second=0, microsecond=0)


def _queries(app: FastAPI, client: TestClient, path: str, **headers: str) -> tuple[int, int]:
    """The queries of a rendered answer, and of the same answer kept (app.web.answers)."""
    db: Database = app.state.db
    client.get(path, headers=headers)  # a first view may keep the view chosen: not counted
    for _attempt in range(3):
        # A kept answer is kept for its minute: both views within one, or measure again.
        minute = _minute()
        answers.clear()
        found = []
        for _render_then_kept in range(2):
            with counted(db.engine) as statements:
                response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            found.append(len(statements))
        if _minute() == minute:
            break
    rendered, kept = found
    assert kept < rendered, (path, rendered, kept)
    return rendered, kept


def test_board_page_screen_and_json_ask_as_often_for_500_cards_as_for_10(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    small, small_screen = _board(session, 10)
    large, large_screen = _board(session, 500)
    pages = {
        "board page": "/boards/{board}?all=1",
        "filtered board": "/boards/{board}?tag=OZG",
        "JSON board": "/api/v1/boards/{board}",
        "JSON cards": "/api/v1/boards/{board}/cards",
    }
    for name, template in pages.items():
        few = _queries(app, client, template.format(board=small))
        many = _queries(app, client, template.format(board=large))
        assert few == many, f"{name}: {few} queries for 10 cards, {many} for 500"
    screens = TestClient(app)
    few = _queries(app, screens, f"/screen/{small_screen}")
    many = _queries(app, screens, f"/screen/{large_screen}")
    assert few == many, f"screen: {few} queries for 10 cards, {many} for 500"
