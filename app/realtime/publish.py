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
from app.realtime import guard, instance, relay


def _note_of(event: Event) -> str | None:
    """What the relay announces for this event; None for events no open socket cares about."""
    if event.board_id is not None:
        return relay.note(event.board_id, event.seq)
    if event.type in names.SHOWN_ON_BOARDS:
        return relay.note(relay.EVERY_BOARD, event.seq)
    if event.type in guard.ACCESS_CHANGES:
        return relay.note(relay.ACCESS, event.seq)
    return None


def notify_in_transaction(session: Session, events: Sequence[Event]) -> None:
    """PostgreSQL: NOTIFY every listening worker of the transaction's events."""
    if session.info.get(BROKER_INFO) != "postgres":
        return
    for event in events:
        note = _note_of(event)
        if note is not None:
            session.execute(
                text("SELECT pg_notify(:channel, :note)"),
                {"channel": relay.CHANNEL, "note": note},
            )


def publish_committed(session: Session, events: Sequence[Event]) -> None:
    """In one process or through Redis: hand the committed events on."""
    mode = session.info.get(BROKER_INFO, "memory")
    for event in events:
        note = _note_of(event)
        if note is None:
            continue
        if mode == "redis":
            channel = instance.redis_channel(session.get_bind().engine)
            relay.publish_redis(session.info[REDIS_INFO], channel, note)
        elif mode == "memory":
            relay.hand_on(EventRead.model_validate(event))
