"""Committed events on their way to the websockets: the realtime side of the event log.

Registered with the log in `app/handlers.py`. With PostgreSQL the note goes out inside the
transaction (delivered at commit, dropped on rollback: never early, never lost); in one process
or through Redis it goes out once the commit is done.
"""

from collections.abc import Sequence

from sqlalchemy import text
from sqlmodel import Session

from app.db import BROKER_INFO, REDIS_INFO
from app.events import names
from app.events.models import Event, EventRead
from app.realtime import relay
from app.realtime.broker import LiveEvent, broker


def _board_of_note(event: Event) -> int | None:
    """The board a note about this event names; None for events no open board shows."""
    if event.board_id is not None:
        return event.board_id
    return relay.EVERY_BOARD if event.type in names.SHOWN_ON_BOARDS else None


def notify_in_transaction(session: Session, events: Sequence[Event]) -> None:
    """PostgreSQL: NOTIFY every listening worker of the transaction's events."""
    if session.info.get(BROKER_INFO) != "postgres":
        return
    for event in events:
        board_id = _board_of_note(event)
        if board_id is not None:
            session.execute(
                text("SELECT pg_notify(:channel, :note)"),
                {"channel": relay.CHANNEL, "note": relay.note(board_id, event.seq)},
            )


def publish_committed(session: Session, events: Sequence[Event]) -> None:
    """In one process or through Redis: hand the committed events on."""
    mode = session.info.get(BROKER_INFO, "memory")
    for event in events:
        board_id = _board_of_note(event)
        if board_id is None:
            continue
        if mode == "redis":
            relay.publish_redis(session.info[REDIS_INFO], board_id, event.seq)
        elif mode == "memory":
            if board_id == relay.EVERY_BOARD:
                broker.refresh_all(event.seq)
            else:
                message = EventRead.model_validate(event).model_dump_json()
                broker.publish(LiveEvent(board_id, event.seq, message))
