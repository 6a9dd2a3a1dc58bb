"""Many writers at once: seqs stay gapless, orders valid, rejected moves change nothing."""

import random
import threading
from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import select

from app.boards import service as boards
from app.boards.models import PhaseCreate, WipMode
from app.cards import queries
from app.cards import service as cards
from app.cards.models import Card, CardMove
from app.db import Database
from app.errors import VersionConflict, WipLimitReached
from app.events import names
from app.events.models import Event
from app.people import service as people
from app.people.models import DepartmentCreate
from tests.factories import make_board, make_card
from tests.helpers import assert_gapless_seqs, assert_valid_order

WRITERS = 8
MOVES_EACH = 100
CARDS = 30


@dataclass
class Outcome:
    accepted: list[tuple[int, int]] = field(default_factory=list)  # (card id, new version)
    unchanged: int = 0
    stale: int = 0
    blocked: int = 0
    errors: list[BaseException] = field(default_factory=list)


def _writer(db: Database, board_id: int, phase_ids: list[int], seed: int, out: Outcome) -> None:
    rng = random.Random(seed)
    try:
        for _ in range(MOVES_EACH):
            with db.session() as reader:
                seen = queries.list_cards(reader, board_id=board_id)
            card = rng.choice(seen)
            move = CardMove(
                phase_id=rng.choice(phase_ids), position=rng.randint(0, 12), version=card.version
            )
            with db.session(write=True) as session:
                try:
                    moved = cards.move_card(session, card_id=card.id, move=move, actor=f"w{seed}")
                except VersionConflict:
                    out.stale += 1
                    continue
                except WipLimitReached:
                    out.blocked += 1
                    continue
                if moved.version == card.version:
                    out.unchanged += 1
                else:
                    out.accepted.append((moved.id, moved.version))
    except BaseException as error:  # surfaced by the main thread
        out.errors.append(error)


def test_concurrent_moves_keep_the_board_consistent(db: Database) -> None:
    with db.session(write=True) as session:
        board = make_board(
            session,
            phases=[
                PhaseCreate(name="Ideenspeicher"),
                PhaseCreate(name="Prozessanalyse"),
                PhaseCreate(name="Test/Pilot", wip_limit=4, wip_mode=WipMode.block),
                PhaseCreate(name="Erledigt", is_done=True),
            ],
        )
        for _ in range(CARDS):
            make_card(session, board)
        board_id = board.id
        phase_ids = [p.id for p in boards.list_phases(session, board_id=board_id)]
        setup_events = boards.get_board(session, board_id=board_id).last_seq

    outcomes = [Outcome() for _ in range(WRITERS)]
    threads = [
        threading.Thread(target=_writer, args=(db, board_id, phase_ids, seed, outcomes[seed]))
        for seed in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert [error for out in outcomes for error in out.errors] == []

    accepted = [move for out in outcomes for move in out.accepted]
    rejected = sum(out.stale + out.blocked for out in outcomes)
    assert len(accepted) + rejected + sum(out.unchanged for out in outcomes) == WRITERS * MOVES_EACH
    # The run really raced: some moves went through, some were refused.
    assert accepted and rejected

    with db.session() as session:
        seqs = assert_gapless_seqs(session, board_id)
        assert len(seqs) == setup_events + len(accepted)
        assert_valid_order(session, board_id)
        moved_events = {
            (event.card_id, event.payload["version"])
            for event in session.exec(
                select(Event).where(Event.board_id == board_id, Event.type == names.CARD_MOVED)
            )
        }
        assert moved_events == set(accepted)
        # Each card's version counts exactly its accepted moves: refusals changed nothing.
        per_card = Counter(card_id for card_id, _ in accepted)
        for card in session.exec(select(Card).where(Card.board_id == board_id)):
            assert card.version == 1 + per_card[card.id]
        assert queries.board_view(session, board_id=board_id).phases[2].total <= 4
    stats = {
        "accepted": len(accepted),
        "stale": sum(out.stale for out in outcomes),
        "blocked": sum(out.blocked for out in outcomes),
        "unchanged": sum(out.unchanged for out in outcomes),
    }
    print(f"concurrent moves: {stats}")


def test_concurrent_instance_wide_changes_get_unique_gapless_seqs(db: Database) -> None:
    errors: list[BaseException] = []

    def create(index: int) -> None:
        try:
            for n in range(10):
                with db.session(write=True) as session:
                    people.create_department(
                        session,
                        data=DepartmentCreate(name=f"Amt {index}-{n}", code=f"A{index}X{n}"),
                        actor="t",
                    )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with db.session() as session:
        seqs = sorted(
            session.exec(select(Event.seq).where(Event.board_id.is_(None)))  # type: ignore[union-attr]
        )
    assert seqs == list(range(1, 61))
