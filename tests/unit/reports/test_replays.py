"""The replay kept between reports is the replay of the whole log: fed piece by piece as the log
grows, it never disagrees with replaying everything at once."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from app import clock
from app.boards import service as boards
from app.boards.models import Phase
from app.cards import service as cards
from app.cards import undo
from app.cards.models import Card, CardMove, CardUpdate
from app.events.models import Event
from app.reports import history
from tests.factories import ACTOR, make_board, make_card, phases_of

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def comparable(paths: dict[int, history.Path]) -> dict[int, Any]:
    return {
        card_id: (path.created_at, path.fields, list(path.steps), path.edits)
        for card_id, path in paths.items()
    }


def kept(session: Session, board_id: int, replays: history.Replays) -> dict[int, Any]:
    with replays.replay(session, board_id=board_id, key=("test", board_id)) as replay:
        return comparable(replay.paths)


def everything(session: Session, board_id: int) -> dict[int, Any]:
    return comparable(history.paths(history.load(session, board_id=board_id)))


def test_the_kept_replay_equals_a_full_replay_after_every_change(session: Session) -> None:
    replays = history.Replays()
    with clock.frozen_at(START):
        board = make_board(session)
        made = [make_card(session, board) for _ in range(4)]
    assert board.id is not None
    _ideas, ranked, doing, done = phases_of(session, board)
    steps = 0

    def check() -> None:
        nonlocal steps
        steps += 1
        assert kept(session, board.id or 0, replays) == everything(session, board.id or 0)

    check()
    for minute, (card, phase) in enumerate(
        [(made[0], doing), (made[1], done), (made[0], done), (made[2], ranked)], start=1
    ):
        with clock.frozen_at(START + timedelta(minutes=minute)):
            current = session.get(Card, card.id)
            assert current is not None
            move = CardMove(phase_id=phase.id, position=0, version=current.version)
            cards.move_card(session, card_id=current.id, move=move, actor=ACTOR)
        check()
    with clock.frozen_at(START + timedelta(minutes=10)):
        current = session.get(Card, made[3].id)
        assert current is not None
        cards.update_card(
            session,
            card_id=current.id,
            data=CardUpdate(version=current.version, tags=["ozg"]),
            actor=ACTOR,
        )
        cards.archive_card(session, card_id=made[1].id, version=made[1].version, actor=ACTOR)
    check()
    with clock.frozen_at(START + timedelta(minutes=20)):
        boards.remove_phase(
            session, board_id=board.id, phase_id=done.id, target_phase_id=doing.id, actor=ACTOR
        )
    check()
    with clock.frozen_at(START + timedelta(minutes=21)):
        board_now = session.get(type(board), board.id)
        assert board_now is not None
        session.refresh(board_now)
        undo.undo(session, board_id=board.id, seq=board_now.last_seq, actor=ACTOR)
    check()
    assert steps == 8
    # The phase came back with the cards it carried.
    back = session.exec(select(Phase).where(Phase.board_id == board.id, Phase.name == "Erledigt"))
    paths = history.paths(history.load(session, board_id=board.id))
    assert paths[made[0].id or 0].steps[-1].phase_id == back.one().id


def test_a_replay_of_a_log_that_changed_underneath_starts_again(session: Session) -> None:
    replays = history.Replays()
    with clock.frozen_at(START):
        board = make_board(session)
        card = make_card(session, board)
    assert board.id is not None and card.id is not None
    assert set(kept(session, board.id, replays)) == {card.id}
    # The same board id and key, but another log (a restored database, say).
    session.exec(delete(Event).where(col(Event.board_id) == board.id))  # type: ignore[call-overload]
    session.commit()
    with clock.frozen_at(START + timedelta(hours=1)):
        other = make_card(session, board)
    assert set(kept(session, board.id, replays)) == {other.id}
