from datetime import UTC, datetime

from sqlmodel import Session

from app import clock
from app.events import service as events
from tests.factories import make_board, make_card, make_department


def test_each_board_counts_its_own_seq(session: Session) -> None:
    first, second = make_board(session), make_board(session)
    make_card(session, first)
    make_card(session, second)
    make_card(session, first)
    assert [e.seq for e in events.list_events(session, board_id=first.id)] == [1, 2, 3]
    assert [e.seq for e in events.list_events(session, board_id=second.id)] == [1, 2]
    make_department(session)
    assert [e.seq for e in events.list_global_events(session)] == [1]


def test_events_after_a_seq_come_in_order_and_respect_the_limit(session: Session) -> None:
    board = make_board(session)
    for _ in range(5):
        make_card(session, board)
    assert [e.seq for e in events.list_events(session, board_id=board.id, after=3)] == [4, 5, 6]
    assert [e.seq for e in events.list_events(session, board_id=board.id, after=1, limit=2)] == [
        2,
        3,
    ]
    assert events.list_events(session, board_id=board.id, after=6) == []


def test_event_time_is_utc_and_follows_the_clock(session: Session) -> None:
    moment = datetime(2026, 9, 14, 8, 30, tzinfo=UTC)
    with clock.frozen_at(moment):
        board = make_board(session)
    [event] = events.list_events(session, board_id=board.id)
    session.expire_all()
    [event] = events.list_events(session, board_id=board.id)
    assert event.created_at == moment
    assert event.created_at.tzinfo is not None


def test_changes_keeps_only_differing_keys() -> None:
    assert events.changes({"a": 1, "b": 2}, {"a": 1, "b": 3}) == {
        "before": {"b": 2},
        "after": {"b": 3},
    }
    assert events.changes({"a": 1}, {"a": 1}) == {"before": {}, "after": {}}
