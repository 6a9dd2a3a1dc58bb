"""The board as it was, replayed from the log, equals the board the test saved at that moment."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app import clock
from app.boards import service as boards
from app.boards.models import Board, Phase, PhaseCreate
from app.cards import service as cards
from app.cards import undo
from app.cards.models import Card, CardMove, CardUpdate
from app.errors import InvalidInput
from app.reports import history, past
from tests.factories import ACTOR, make_board, make_card, make_department, phases_of

START = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)


@contextmanager
def at(minutes: int) -> Iterator[None]:
    with clock.frozen_at(START + timedelta(minutes=minutes)):
        yield


def saved(session: Session, board: Board) -> dict[str, Any]:
    """The board as the tables hold it now: phases in order, each with its cards in order."""
    session.expire_all()
    phases = session.exec(
        select(Phase).where(Phase.board_id == board.id).order_by(col(Phase.position))
    ).all()
    found = []
    for phase in phases:
        column = session.exec(
            select(Card)
            .where(Card.phase_id == phase.id, col(Card.archived).is_(False))
            .order_by(col(Card.position))
        ).all()
        found.append((phase.id, [(c.id, c.title, c.department_id, c.tags) for c in column]))
    return {"phases": found}


def replayed(session: Session, board: Board, moment: datetime) -> dict[str, Any]:
    then = past.board_then(session, board=board, moment=moment)
    return {
        "phases": [
            (
                column.phase.id,
                [(c.id, c.title, c.department_id, c.tags) for c in column.cards],
            )
            for column in then.columns
        ]
    }


def move(session: Session, card: Card, phase: Any, position: int, minute: int) -> int:
    with at(minute):
        current = session.get(Card, card.id)
        assert current is not None
        data = CardMove(phase_id=phase.id, position=position, version=current.version)
        cards.move_card(session, card_id=current.id, move=data, actor=ACTOR)
    return board_seq(session, card.board_id)


def board_seq(session: Session, board_id: int) -> int:
    board = session.get(Board, board_id)
    assert board is not None
    session.refresh(board)
    return board.last_seq


def test_the_board_at_three_moments_is_the_board_saved_then(session: Session) -> None:
    with at(0):
        board = make_board(session, name="Maßnahmen 2026")
        bau = make_department(session, name="Bauamt", code="BA")
    ideas, ranked, doing, done = phases_of(session, board)
    made = {}
    for minute, name in enumerate("abcdef", start=1):
        with at(minute):
            made[name] = make_card(session, board, title=f"Maßnahme {name}")
    move(session, made["b"], doing, 0, 10)
    move(session, made["c"], doing, 0, 11)  # on top of b
    move(session, made["d"], ranked, 0, 12)
    with at(13):
        current = session.get(Card, made["a"].id)
        assert current is not None
        data = CardUpdate(
            version=current.version, title="Bauantrag online", tags=["ozg"], department_id=bau.id
        )
        cards.update_card(session, card_id=current.id, data=data, actor=ACTOR)
    first = saved(session, board)
    with at(20):
        cards.archive_card(session, card_id=made["e"].id, version=made["e"].version, actor=ACTOR)
    move(session, made["a"], doing, 1, 21)  # between c and b
    seq = move(session, made["f"], done, 0, 22)
    with at(23):
        undo.undo(session, board_id=board.id, seq=seq, actor=ACTOR)  # f back to the ideas
    with at(24):
        review = boards.add_phase(
            session, board_id=board.id, data=PhaseCreate(name="Prüfung", position=3), actor=ACTOR
        )
    move(session, made["c"], review, 0, 25)
    with at(26):
        boards.reorder_phases(
            session,
            board_id=board.id,
            phase_ids=[ranked.id, ideas.id, doing.id, review.id, done.id],
            actor=ACTOR,
        )
    second = saved(session, board)
    with at(30):
        boards.remove_phase(
            session, board_id=board.id, phase_id=doing.id, target_phase_id=ranked.id, actor=ACTOR
        )
    removal = board_seq(session, board.id)
    with at(31):
        restored = session.get(Card, made["e"].id)
        assert restored is not None
        cards.restore_card(session, card_id=restored.id, version=restored.version, actor=ACTOR)
    move(session, made["d"], done, 0, 32)
    third = saved(session, board)
    with at(40):
        undo.undo(session, board_id=board.id, seq=removal, actor=ACTOR)  # the phase comes back
    fourth = saved(session, board)

    assert replayed(session, board, START + timedelta(minutes=15)) == first
    assert replayed(session, board, START + timedelta(minutes=27)) == second
    assert replayed(session, board, START + timedelta(minutes=35)) == third
    assert replayed(session, board, START + timedelta(minutes=41)) == fourth
    # Not a trivial equality: the moments differ from each other.
    assert len({str(x) for x in (first, second, third, fourth)}) == 4


def test_what_happened_since_and_the_age_in_the_phase_then(session: Session) -> None:
    with at(0):
        board = make_board(session)
        card = make_card(session, board)
        other = make_card(session, board)
    _ideas, _ranked, doing, done = phases_of(session, board)
    move(session, card, doing, 0, 60)
    move(session, card, done, 0, 120)
    move(session, other, doing, 0, 130)
    with at(140):
        make_card(session, board)
    then = past.board_then(session, board=board, moment=START + timedelta(minutes=90))
    faces = {face.id: face for column in then.columns for face in column.cards}
    assert faces[card.id].phase_since == START + timedelta(minutes=60)
    assert faces[other.id].phase_since == START
    assert then.since == past.Since(moved=2, new=1, done=1, archived=0)


def test_a_moment_must_be_a_date_or_time_not_in_the_future() -> None:
    with clock.frozen_at(START):
        moment = past.parse_moment("2026-10-01")
        assert moment.isoformat() == "2026-10-01T23:59:59.999999+02:00"
        assert past.parse_moment("2026-10-01T14:30").isoformat() == "2026-10-01T14:30:00+02:00"
        # Today: up to now.
        assert past.parse_moment("2026-10-05") == START
        for bad in ("", "gestern", "2026-13-01", "2026-10-06"):
            with pytest.raises(InvalidInput):
                past.parse_moment(bad)


def test_the_replay_ignores_events_of_other_kinds(session: Session) -> None:
    with at(0):
        board = make_board(session)
        make_card(session, board)
    rows = history.load(session, board_id=board.id or 0)
    assert {row.type for row in rows} == {"board.created", "card.created"}
