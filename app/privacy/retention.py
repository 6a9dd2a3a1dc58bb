"""Retention: login records and client addresses are kept for `retention_days`, then deleted.

The history of who changed what stays: only the login events themselves go, and the other
events lose the client address they carried. Every worker looks once an hour; the one holding
the lease purges."""

import asyncio
import logging
import random
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, delete, func, or_, type_coerce, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from app import clock
from app.accounts import service as accounts
from app.accounts.models import LoginFailure, LoginSession, PasswordReset
from app.db import Database
from app.digest import sending
from app.events import service as events
from app.events.models import Event
from app.settings import Settings

log = logging.getLogger("lotsenboard.privacy")

PRIVACY_PURGED = "privacy.purged"
ACTOR = "Lotsenboard"
LEASE = "retention"
LEASE_SECONDS = 2 * 60 * 60  # longer than a look takes; renewed at each look
FIRST_SECONDS = 60.0
EVERY_SECONDS = 3600.0
RETRY_SECONDS = 300.0
# Login events: who logged in from where and when. Deleted whole once old enough.
LOGIN_EVENTS = (accounts.LOGIN, accounts.LOGIN_FAILED, accounts.LOGOUT)
ADDRESS = "ip"
BATCH = 500


@dataclass(frozen=True)
class Purged:
    """How many records one purge deleted, and how many events lost their client address."""

    sessions: int = 0
    failures: int = 0
    resets: int = 0
    login_events: int = 0
    addresses: int = 0

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


def purge(session: Session, *, now: datetime, days: int) -> Purged:
    """Delete login records older than `days` and strip client addresses from older events;
    commits, logging the counts (never who) when anything went."""
    cutoff = now - timedelta(days=days)
    sessions = _deleted(
        session,
        delete(LoginSession).where(
            col(LoginSession.last_seen_at) < cutoff,
            or_(col(LoginSession.revoked_at).is_(None), col(LoginSession.revoked_at) < cutoff),
        ),
    )
    failures = _deleted(session, delete(LoginFailure).where(col(LoginFailure.created_at) < cutoff))
    resets = _deleted(
        session,
        delete(PasswordReset).where(
            col(PasswordReset.created_at) < cutoff,
            or_(col(PasswordReset.used_at).is_not(None), col(PasswordReset.expires_at) <= now),
        ),
    )
    # The newest instance-wide event stays whatever it is: the next one's seq is the highest
    # plus one, and a seq handed out twice would be skipped by whoever had seen it already.
    newest = events.instance_seq(session)
    login_events = _deleted(
        session,
        delete(Event).where(
            col(Event.board_id).is_(None),
            col(Event.type).in_(LOGIN_EVENTS),
            col(Event.created_at) < cutoff,
            col(Event.seq) < newest,
        ),
    )
    addresses = _strip_addresses(session, cutoff)
    purged = Purged(sessions, failures, resets, login_events, addresses)
    if purged.total:
        events.append(
            session, board_id=None, type=PRIVACY_PURGED, actor=ACTOR, payload=asdict(purged)
        )
    events.commit(session)
    return purged


def _deleted(session: Session, statement: Any) -> int:
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return int(result.rowcount or 0)


def _has_address(session: Session) -> ColumnElement[bool]:
    """The payload has the client address key (JSON on SQLite, JSONB on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(Event.payload, JSONB).has_key(ADDRESS)
    return func.json_type(Event.payload, f"$.{ADDRESS}").is_not(None)


def _strip_addresses(session: Session, cutoff: datetime) -> int:
    """Remove the client address from older events; the events themselves stay.

    Only instance-wide events carry one (accounts, tokens, reset links, screen links: the
    board event a screen link's change adds carries none)."""
    stripped = 0
    after = 0
    while True:
        rows = session.execute(
            select(Event.id, Event.payload)
            .where(
                col(Event.board_id).is_(None),
                col(Event.created_at) < cutoff,
                col(Event.id) > after,
                _has_address(session),
            )
            .order_by(col(Event.id))
            .limit(BATCH)
        ).all()
        if not rows:
            return stripped
        changed = [
            {"id": event_id, "payload": {k: v for k, v in payload.items() if k != ADDRESS}}
            for event_id, payload in rows
            if isinstance(payload, dict) and ADDRESS in payload
        ]
        if changed:
            # A new dict per row, written by primary key: the JSON is serialised afresh.
            session.execute(update(Event), changed)
        stripped += len(changed)
        after = rows[-1][0]


def tick(db: Database, settings: Settings, *, who: str) -> Purged | None:
    """One look: purge if this process holds the lease (None when another one does)."""
    if not sending.take_lease(db, name=LEASE, who=who, seconds=LEASE_SECONDS):
        return None
    with db.session(write=True) as session:
        return purge(session, now=clock.now(), days=settings.retention_days)


async def run(db: Database, settings: Settings) -> None:
    """Purge once an hour, the first time a minute after start-up."""
    who = sending.holder()
    log.info("retention: login records are deleted after %s days", settings.retention_days)
    await asyncio.sleep(FIRST_SECONDS + random.uniform(0, 30))
    while True:
        wait = EVERY_SECONDS
        try:
            purged = await run_in_threadpool(tick, db, settings, who=who)
            if purged is not None and purged.total:
                log.info("retention: purged %s", asdict(purged))
        except Exception:
            log.exception("retention: this look failed; trying again soon")
            wait = RETRY_SECONDS
        # Spread the looks of many workers a little.
        await asyncio.sleep(wait + random.uniform(0, 60))
