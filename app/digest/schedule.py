"""The weekly digest's schedule, inside the app: every worker looks once a minute; the one that
holds the lease sends what is due (the delivery records make a second look harmless)."""

import asyncio
import logging
import random

from starlette.concurrency import run_in_threadpool

from app import clock
from app.db import Database
from app.digest import content, sending
from app.settings import Settings

log = logging.getLogger("lotsenboard.digest")

EVERY_SECONDS = 60.0
LEASE_SECONDS = 15 * 60  # longer than sending a week takes; renewed at each look


def tick(db: Database, settings: Settings, *, who: str, mailer: sending.Mailer) -> object:
    """One look: send the last week's digest if its time has come and this process holds
    the lease (also retries failed deliveries whose time has come)."""
    week = content.week_of()
    if not sending.due(week, settings, clock.now()):
        return None
    if not sending.take_lease(db, who=who, seconds=LEASE_SECONDS):
        return None
    return sending.send_week(db, week=week, settings=settings, mailer=mailer)


async def run(db: Database, settings: Settings) -> None:
    who = sending.holder()
    mailer = sending.smtp_mailer(settings)
    log.info("weekly digest: %s, sent by whoever holds the lease", settings.digest_schedule)
    while True:
        try:
            await run_in_threadpool(tick, db, settings, who=who, mailer=mailer)
        except Exception:
            # The next look tries again; a mail is never lost on the way (see sending.py).
            log.exception("weekly digest: this look failed")
        # Spread the looks of many workers a little.
        await asyncio.sleep(EVERY_SECONDS + random.uniform(0, 5))
