"""Appending to and reading the event log: the spine every domain writes through.

The log is the ground floor. It imports no domain: services above it append events and commit
through it, and whoever must hear of committed events (the realtime publisher, later the digest
and meetings) registers a handler with it, once, in `app/handlers.py`.
"""

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func, inspect, text, update
from sqlmodel import Session, col, select

from app import clock
from app.db import end_unchanged
from app.events.models import Event

log = logging.getLogger("lotsenboard.events")

# Key of the PostgreSQL advisory lock that serialises the instance-wide sequence.
_GLOBAL_STREAM_LOCK = 0x4C6F7473  # "Lots"

SYSTEM_ACTOR = "system"
_PENDING = "lotsenboard_pending_events"
_HELD = "lotsenboard_commit_held"

BOARD_TABLE = "board"

Handler = Callable[[Session, Sequence[Event]], None]
_in_transaction: list[Handler] = []
_after_commit: list[Handler] = []


@lru_cache(maxsize=1)
def _stream_owner() -> Any:
    """The mapped class of the row that counts a board's events (the board).

    Found by its table name, as the event's foreign key names it: the log stays below the
    boards domain instead of importing it.
    """
    for mapper in inspect(Event).registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == BOARD_TABLE:
            return mapper.class_
    raise LookupError(f"no mapped class for table {BOARD_TABLE!r}")


def before_commit(handler: Handler) -> None:
    """Call `handler` with a transaction's events just before it commits, inside it."""
    if handler not in _in_transaction:
        _in_transaction.append(handler)


def after_commit(handler: Handler) -> None:
    """Call `handler` with a transaction's events once they are committed (never before)."""
    if handler not in _after_commit:
        _after_commit.append(handler)


def instance_seq(session: Session) -> int:
    """The seq of the last instance-wide event (departments, lotsen, accounts, screen links)."""
    last = session.exec(select(func.max(Event.seq)).where(col(Event.board_id).is_(None))).one()
    return last or 0


def append(
    session: Session,
    *,
    board_id: int | None,
    type: str,
    actor: str,
    payload: dict[str, Any],
    card_id: int | None = None,
    at: datetime | None = None,
) -> Event:
    """Add an event with the stream's next seq; the caller commits through `commit`.

    `at`: the moment of the change, when the caller stamps rows with it too (default: now)."""
    if board_id is None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _GLOBAL_STREAM_LOCK}
            )
        seq = instance_seq(session) + 1
    else:
        board = _stream_owner()
        # An ORM update: a board object loaded in this session shows the new seq as well.
        seq = session.execute(
            update(board)
            .where(board.id == board_id)
            .values(last_seq=board.last_seq + 1)
            .returning(board.last_seq)
        ).scalar_one()
    event = Event(
        board_id=board_id,
        seq=seq,
        type=type,
        actor=actor,
        card_id=card_id,
        payload=payload,
        created_at=at or clock.now(),
    )
    session.add(event)
    session.info.setdefault(_PENDING, []).append(event)
    return event


@contextmanager
def one_transaction(session: Session) -> Iterator[None]:
    """Services called inside commit together, once, at the end (or not at all on an error)."""
    depth = session.info.get(_HELD, 0)
    session.info[_HELD] = depth + 1
    try:
        yield
    finally:
        session.info[_HELD] = depth
    if depth == 0:
        commit(session)


def commit(session: Session) -> None:
    """Commit the transaction; its handlers hear of its events just before and just after."""
    if session.info.get(_HELD):
        session.flush()
        return
    # Events appended in a transaction that was rolled back since are no longer in the session.
    pending = [e for e in session.info.pop(_PENDING, []) if not inspect(e).transient]
    for handler in _in_transaction:
        handler(session, pending)
    session.commit()
    committed = [event for event in pending if inspect(event).persistent]
    for handler in _after_commit:
        try:
            handler(session, committed)
        except Exception:
            # The change is committed: a listener's failure must not turn it into an error.
            log.exception("after-commit handler %s failed", getattr(handler, "__name__", handler))


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
