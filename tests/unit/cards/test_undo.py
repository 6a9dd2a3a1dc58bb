"""Undo of a move, an archiving and a phase removal: the exact prior state, as a new change."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from app import clock
from app.boards import service as boards
from app.boards.models import PhaseCreate, WipMode
from app.cards import queries, undo
from app.cards import service as cards
from app.cards.models import CardMove, CardUpdate
from app.db import Database
from app.errors import Conflict, VersionConflict
from app.events import names
from app.events import service as events
from tests.factories import ACTOR, make_board, make_card, phases_of
from tests.helpers import assert_gapless_seqs, assert_valid_order, dump


def order(session: Session, board_id: int) -> dict[str, list[str]]:
    view = queries.board_view(session, board_id=board_id)
    return {column.phase.name: [card.title for card in column.cards] for column in view.phases}


def last_seq(session: Session, board_id: int) -> int:
    return boards.get_board(session, board_id=board_id).last_seq


def test_a_move_is_taken_back_to_its_exact_place_once(session: Session, db: Database) -> None:
    board = make_board(session)
    _first, second = phases_of(session, board)[:2]
    a, b, c = (make_card(session, board, title=t) for t in "ABC")
    make_card(session, board, title="D", phase_id=second.id)
    before = order(session, board.id)
    entered = queries.get_card(session, card_id=b.id).phase_since
    later = clock.now() + timedelta(days=3)
    with clock.frozen_at(later):
        moved = cards.move_card(
            session, card_id=b.id, move=CardMove(phase_id=second.id, position=0, version=1),
            actor=ACTOR,
        )  # fmt: skip
    assert moved.phase_since == later
    seq = last_seq(session, board.id)
    with clock.frozen_at(later):
        undo.undo(session, board_id=board.id, seq=seq, actor=ACTOR)
    assert order(session, board.id) == before
    # Back where it was, since when it was there.
    assert queries.get_card(session, card_id=b.id).phase_since == entered
    back = events.list_events(session, board_id=board.id)[-1]
    assert (back.type, back.payload["undo_of"]) == (names.CARD_MOVED, seq)
    snapshot = dump(db)
    with pytest.raises(VersionConflict):  # undone already: the card moved on since
        undo.undo(session, board_id=board.id, seq=seq, actor=ACTOR)
    session.rollback()
    assert dump(db) == snapshot
    assert_valid_order(session, board.id)
    assert_gapless_seqs(session, board.id)
    assert a.id and c.id


def test_an_archiving_is_taken_back_to_the_cards_old_place(session: Session) -> None:
    board = make_board(session)
    a, b, c = (make_card(session, board, title=t) for t in "ABC")
    before = order(session, board.id)
    cards.archive_card(session, card_id=b.id, version=1, actor=ACTOR)
    undo.undo(session, board_id=board.id, seq=last_seq(session, board.id), actor=ACTOR)
    assert order(session, board.id) == before
    assert a.id and c.id


def test_a_removed_phase_comes_back_with_its_cards_where_they_stood(session: Session) -> None:
    board = make_board(
        session,
        phases=[
            PhaseCreate(name="Ideen"),
            PhaseCreate(name="Pilot", wip_limit=3, wip_mode=WipMode.block),
            PhaseCreate(name="Erledigt", is_done=True),
        ],
    )
    ideas, pilot, done = phases_of(session, board)
    make_card(session, board, title="Idee")
    archived = make_card(session, board, title="P-Archiv", phase_id=pilot.id)
    cards.archive_card(session, card_id=archived.id, version=1, actor=ACTOR)
    for title in ("P1", "P2", "P3"):  # the pilot phase is full now
        make_card(session, board, title=title, phase_id=pilot.id)
    before = order(session, board.id)
    boards.remove_phase(
        session, board_id=board.id, phase_id=pilot.id, target_phase_id=ideas.id, actor=ACTOR
    )
    assert [p.name for p in phases_of(session, board)] == ["Ideen", "Erledigt"]
    undo.undo(session, board_id=board.id, seq=last_seq(session, board.id), actor=ACTOR)
    again = phases_of(session, board)
    assert [(p.name, p.wip_limit, p.wip_mode) for p in again] == [
        ("Ideen", None, "warn"),
        ("Pilot", 3, "block"),
        ("Erledigt", None, "warn"),
    ]
    assert order(session, board.id) == before
    restored = queries.get_card(session, card_id=archived.id)
    assert restored.archived and restored.phase_id == again[1].id
    assert_valid_order(session, board.id)
    assert done.id


def test_a_phase_removal_whose_cards_changed_since_is_not_undone(
    session: Session, db: Database
) -> None:
    board = make_board(session)
    ideas, second = phases_of(session, board)[:2]
    card = make_card(session, board, phase_id=second.id)
    boards.remove_phase(
        session, board_id=board.id, phase_id=second.id, target_phase_id=ideas.id, actor=ACTOR
    )
    seq = last_seq(session, board.id)
    cards.update_card(session, card_id=card.id, data=CardUpdate(version=2, title="X"), actor="B")
    snapshot = dump(db)
    with pytest.raises(Conflict):
        undo.undo(session, board_id=board.id, seq=seq, actor=ACTOR)
    session.rollback()
    assert dump(db) == snapshot


def test_only_recent_undoable_changes_of_ones_own_are_undone(session: Session) -> None:
    board = make_board(session)
    card = make_card(session, board)
    second = phases_of(session, board)[1]
    cards.move_card(
        session, card_id=card.id, move=CardMove(phase_id=second.id, position=0, version=1),
        actor=ACTOR,
    )  # fmt: skip
    seq = last_seq(session, board.id)
    with pytest.raises(Conflict, match="only who made"):
        undo.undoable(session, board_id=board.id, seq=seq, actor="Someone else")
    with (
        clock.frozen_at(clock.now() + undo.WINDOW + timedelta(seconds=1)),
        pytest.raises(Conflict, match="too old"),
    ):
        undo.undoable(session, board_id=board.id, seq=seq, actor=ACTOR)
    with pytest.raises(Conflict, match="cannot be undone"):
        undo.undoable(session, board_id=board.id, seq=1, actor=ACTOR)  # board.created
