"""The board as it was, taken up from kept checkpoints, is the board replayed from the whole
log: for every moment, asked in any order, while the log grows and after it changed
underneath."""

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from app import clock
from app.boards import service as boards
from app.boards.models import PhaseCreate
from app.cards import service as cards
from app.cards import undo
from app.cards.models import Card, CardMove, CardUpdate
from app.errors import Conflict
from app.events.models import Event
from app.reports import history, past
from tests.factories import ACTOR, make_board, make_card, phases_of

START = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)


def comparable(board: past.PastBoard) -> Any:
    return [
        (
            phase.id,
            phase.name,
            [
                (card_id, board.cards[card_id]["title"], board.cards[card_id]["phase_since"])
                for card_id in phase.card_ids
            ],
        )
        for phase in board.phases
    ]


def fresh(session: Session, board_id: int, moment: datetime) -> Any:
    rows = history.load(session, board_id=board_id, until=moment)
    return comparable(past.board_at(rows, moment))


def kept(session: Session, pasts: past.Pasts, board_id: int, moment: datetime) -> Any:
    found = pasts.board_at(session, board_id=board_id, key=("test", board_id), moment=moment)
    return comparable(found)


def take_back(session: Session, board: Any) -> None:
    """Undo the board's last change, where the board allows it."""
    session.refresh(board)
    try:
        undo.undo(session, board_id=board.id, seq=board.last_seq, actor=ACTOR)
    except Conflict:
        session.rollback()


def history_of(session: Session, rng: random.Random, minutes: range) -> int:
    """A board lived through: cards made, moved (some undone), edited, archived and restored, a
    phase added and one removed and brought back; some events stamped by a clock behind."""
    with clock.frozen_at(START + timedelta(minutes=minutes.start)):
        board = make_board(session)
        made = [make_card(session, board, title=f"Maßnahme {n}") for n in range(6)]
    assert board.id is not None
    for minute in minutes[1:]:
        # Now and then a worker whose clock is behind: a later event with an earlier time.
        behind = timedelta(seconds=100 if rng.random() < 0.1 else 0)
        with clock.frozen_at(START + timedelta(minutes=minute) - behind):
            phases = phases_of(session, board)
            card = session.get(Card, rng.choice(made).id)
            assert card is not None
            session.refresh(card)
            roll = rng.random()
            if card.archived:
                cards.restore_card(session, card_id=card.id, version=card.version, actor=ACTOR)
            elif roll < 0.55:
                target = rng.choice(phases)
                move = CardMove(
                    phase_id=target.id, position=rng.randint(0, 3), version=card.version
                )
                cards.move_card(session, card_id=card.id or 0, move=move, actor=ACTOR)
                if roll < 0.1:
                    take_back(session, board)
            elif roll < 0.7:
                data = CardUpdate(version=card.version, title=f"{card.title}+")
                cards.update_card(session, card_id=card.id or 0, data=data, actor=ACTOR)
            elif roll < 0.8:
                cards.archive_card(session, card_id=card.id or 0, version=card.version, actor=ACTOR)
            elif roll < 0.85 and len(phases) < 6:
                data = PhaseCreate(name=f"Prüfung {minute}", position=2)
                boards.add_phase(session, board_id=board.id, data=data, actor=ACTOR)
            elif roll < 0.9 and len(phases) > 3:
                boards.remove_phase(
                    session,
                    board_id=board.id,
                    phase_id=phases[1].id,
                    target_phase_id=phases[0].id,
                    actor=ACTOR,
                )
                if rng.random() < 0.5:
                    take_back(session, board)
            else:
                make_card(session, board, title=f"Maßnahme {minute}")
    return board.id


def test_kept_checkpoints_give_the_board_of_every_moment_as_the_whole_log_does(
    session: Session,
) -> None:
    rng = random.Random(15)
    board_id = history_of(session, rng, range(0, 120))
    # Checkpoints every 7 events, at most 5 kept: taken up, thinned and extended many times.
    pasts = past.Pasts(every=7, most=5)
    moments = [START + timedelta(minutes=m, seconds=30) for m in range(-1, 121)]
    rng.shuffle(moments)
    differ = set()
    for moment in moments:
        expected = fresh(session, board_id, moment)
        assert kept(session, pasts, board_id, moment) == expected, moment
        differ.add(repr(expected))
    # The moments show many different boards: the comparison is not between empty ones.
    assert len(differ) > 60


def test_the_kept_board_follows_the_log_as_it_grows_and_when_it_changed_underneath(
    session: Session,
) -> None:
    rng = random.Random(16)
    board_id = history_of(session, rng, range(0, 40))
    pasts = past.Pasts(every=5)
    late = START + timedelta(minutes=200)
    assert kept(session, pasts, board_id, late) == fresh(session, board_id, late)
    # The log grows: the later moment sees the new events, the earlier stays as it was.
    with clock.frozen_at(START + timedelta(minutes=50)):
        make_card(session, boards.get_board(session, board_id=board_id), title="Nachzügler")
    for moment in (START + timedelta(minutes=30), late):
        assert kept(session, pasts, board_id, moment) == fresh(session, board_id, moment)
    assert "Nachzügler" in repr(kept(session, pasts, board_id, late))
    # The log changes underneath (a restored database): the kept folds are not taken up.
    last = session.exec(
        select(Event.seq).where(col(Event.board_id) == board_id).order_by(col(Event.seq).desc())
    ).first()
    assert last is not None
    session.exec(delete(Event).where(col(Event.seq) >= last - 3))  # type: ignore[call-overload]
    session.commit()
    assert kept(session, pasts, board_id, late) == fresh(session, board_id, late)
    assert "Nachzügler" not in repr(kept(session, pasts, board_id, late))
