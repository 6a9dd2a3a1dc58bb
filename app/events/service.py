"""Appending to and reading the event log."""

from typing import Any

from sqlalchemy import func, inspect, text, update
from sqlmodel import Session, col, select

from app import clock
from app.boards.models import Board
from app.db import BROKER_INFO, REDIS_INFO, end_unchanged
from app.errors import Conflict, NotFound
from app.events import names
from app.events.models import Event, EventRead
from app.realtime import relay
from app.realtime.broker import LiveEvent, broker

# Key of the PostgreSQL advisory lock that serialises the instance-wide sequence.
_GLOBAL_STREAM_LOCK = 0x4C6F7473  # "Lots"

SYSTEM_ACTOR = "system"
_PENDING = "lotsenboard_pending_events"


def lock_board(session: Session, board_id: int, *, writable: bool = True) -> Board:
    """Lock the board row for this transaction: all writes to one board queue here."""
    board = session.get(Board, board_id, with_for_update=True, populate_existing=True)
    if board is None:
        raise NotFound("board", board_id)
    if writable and board.archived:
        raise Conflict(f"board {board_id} is archived; restore it first", board_id=board_id)
    return board


def append(
    session: Session,
    *,
    board_id: int | None,
    type: str,
    actor: str,
    payload: dict[str, Any],
    card_id: int | None = None,
) -> Event:
    """Add an event with the stream's next seq; the caller commits."""
    if board_id is None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _GLOBAL_STREAM_LOCK}
            )
        last = session.exec(select(func.max(Event.seq)).where(col(Event.board_id).is_(None))).one()
        seq = (last or 0) + 1
        if type in names.SHOWN_ON_BOARDS and session.info.get(BROKER_INFO) == "postgres":
            session.execute(
                text("SELECT pg_notify(:channel, :note)"),
                {"channel": relay.CHANNEL, "note": relay.note(relay.EVERY_BOARD, seq)},
            )
    else:
        seq = session.execute(
            update(Board)
            .where(col(Board.id) == board_id)
            .values(last_seq=col(Board.last_seq) + 1)
            .returning(col(Board.last_seq))
        ).scalar_one()
        if session.info.get(BROKER_INFO) == "postgres":
            # Delivered by PostgreSQL at commit, dropped on rollback: never early, never lost.
            session.execute(
                text("SELECT pg_notify(:channel, :note)"),
                {"channel": relay.CHANNEL, "note": relay.note(board_id, seq)},
            )
    event = Event(
        board_id=board_id, seq=seq, type=type, actor=actor, card_id=card_id, payload=payload
    )
    session.add(event)
    session.info.setdefault(_PENDING, []).append(event)
    return event


def commit(session: Session) -> None:
    """Commit, then publish the board events this transaction appended (never before)."""
    pending: list[Event] = session.info.pop(_PENDING, [])
    session.commit()
    mode = session.info.get(BROKER_INFO, "memory")
    for event in pending:
        # Events of a transaction rolled back earlier are no longer persistent: skip them.
        if not inspect(event).persistent:
            continue
        if event.board_id is None:
            if event.type in names.SHOWN_ON_BOARDS:
                if mode == "memory":
                    broker.refresh_all(event.seq)
                elif mode == "redis":
                    relay.publish_redis(session.info[REDIS_INFO], relay.EVERY_BOARD, event.seq)
            continue
        if mode == "memory":
            message = EventRead.model_validate(event).model_dump_json()
            broker.publish(LiveEvent(event.board_id, event.seq, message))
        elif mode == "redis":
            relay.publish_redis(session.info[REDIS_INFO], event.board_id, event.seq)


def list_events(
    session: Session, *, board_id: int, after: int = 0, limit: int = 500
) -> list[Event]:
    """A board's events with seq > after, in seq order."""
    statement = (
        select(Event)
        .where(Event.board_id == board_id, Event.seq > after)
        .order_by(col(Event.seq))
        .limit(limit)
    )
    return list(session.exec(statement))


def list_card_events(session: Session, *, card_id: int) -> list[Event]:
    """One card's history, oldest first."""
    statement = select(Event).where(Event.card_id == card_id).order_by(col(Event.id))
    return list(session.exec(statement))


def last_card_event(session: Session, *, card_id: int) -> Event | None:
    """The newest event about one card."""
    statement = select(Event).where(Event.card_id == card_id).order_by(col(Event.id).desc())
    return session.exec(statement.limit(1)).first()


def list_global_events(session: Session, *, after: int = 0, limit: int = 500) -> list[Event]:
    """Instance-wide events (departments, lotsen) with seq > after."""
    statement = (
        select(Event)
        .where(col(Event.board_id).is_(None), Event.seq > after)
        .order_by(col(Event.seq))
        .limit(limit)
    )
    return list(session.exec(statement))


def record_update(
    session: Session,
    entity: Any,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    board_id: int | None,
    type: str,
    actor: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """Log what changed between two snapshots and commit; change nothing when nothing did."""
    diff: dict[str, Any] = changes(before, after)
    if not diff["after"]:
        end_unchanged(session, entity)
        return
    entity.updated_at = clock.now()
    append(session, board_id=board_id, type=type, actor=actor, payload={**diff, **(extra or {})})
    commit(session)


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The before/after payload of the keys whose values differ."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {
        "before": {key: before.get(key) for key in keys},
        "after": {key: after[key] for key in keys},
    }
