"""Across workers and hosts: committed events announced through PostgreSQL or Redis.

The note carries only `board_id:seq` (PostgreSQL caps NOTIFY payloads at 8000 bytes); every
process that holds websockets loads the event itself and hands it to its local broker.
"""

import asyncio
import logging
import random
from functools import lru_cache

import psycopg
import redis
import redis.asyncio as aioredis
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from app.db import Database
from app.events import names
from app.events.models import Event, EventRead
from app.realtime import guard, instance
from app.realtime.broker import LiveEvent, broker

log = logging.getLogger("lotsenboard.realtime")

# PostgreSQL's NOTIFY stays within its database; on Redis each installation has a channel of
# its own, named after this one (app/realtime/instance.py).
CHANNEL = instance.CHANNEL
# The "board" of a note about a department or lotse every board shows.
EVERY_BOARD = 0
# The "board" of a note about an instance-wide access change (seq in the instance's stream).
ACCESS = "access"


def note(board_id: int | str, seq: int) -> str:
    return f"{board_id}:{seq}"


def hand_on(event: EventRead) -> None:
    """A committed event to this process's websockets: as a board event, as a refresh of
    every board, or as an access change their sockets are checked against."""
    if event.board_id is None:
        if event.type in names.SHOWN_ON_BOARDS:
            broker.refresh_all(event.seq)
    else:
        broker.publish(LiveEvent(event.board_id, event.seq, event.model_dump_json()))
    guard.revoked(event.type, event.payload, event.board_id)


@lru_cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def publish_redis(url: str, channel: str, text: str) -> None:
    """Announce a committed event on Redis; a Redis outage must not fail the change itself."""
    try:
        _redis(url).publish(channel, text)
    except redis.RedisError:
        log.warning("could not announce %s on Redis", text)


class Relay:
    """Listens for notes and feeds this process's websockets, reconnecting with backoff."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def run(self) -> None:
        delay = 0.5
        while True:
            try:
                if self.db.broker == "postgres":
                    await self._listen_postgres()
                else:
                    await self._listen_redis()
                delay = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live-update listener lost; retrying in %.1f s", delay, exc_info=True)
            await asyncio.sleep(delay + random.uniform(0, delay / 2))
            delay = min(delay * 2, 15.0)

    async def _listen_postgres(self) -> None:
        conninfo = make_url(self.db.url).set(drivername="postgresql").render_as_string(False)
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            async for notify in conn.notifies():
                await self._deliver(notify.payload)

    async def _listen_redis(self) -> None:
        client = aioredis.from_url(self.db.redis_url)
        try:
            pubsub = client.pubsub()
            channel = await run_in_threadpool(instance.redis_channel, self.db.engine)
            await pubsub.subscribe(channel)
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    await self._deliver(message["data"].decode())
        finally:
            await client.aclose()

    async def _deliver(self, text: str) -> None:
        board, _, seq = text.partition(":")
        if not seq.isdigit():
            return
        if board == str(EVERY_BOARD):
            broker.refresh_all(int(seq))
            return
        if board != ACCESS and not board.isdigit():
            return
        event = await run_in_threadpool(
            self._load, None if board == ACCESS else int(board), int(seq)
        )
        if event is not None:
            hand_on(event)

    def _load(self, board_id: int | None, seq: int) -> EventRead | None:
        with self.db.session() as session:
            stream = (
                col(Event.board_id).is_(None) if board_id is None else Event.board_id == board_id
            )
            event = session.exec(select(Event).where(stream, Event.seq == seq)).first()
            return None if event is None else EventRead.model_validate(event)
