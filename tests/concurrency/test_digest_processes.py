"""The weekly digest's schedule in real server processes, all looking at the scheduled minute:
two workers of one `lotsenboard serve`, and (on PostgreSQL) two separate servers with two
workers each on one database. Everyone gets the week's mail exactly once."""

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from app import clock
from app.accounts.models import Role
from app.db import Database
from app.digest import content
from app.digest.models import DeliveryStatus, DigestDelivery, DigestSubscription, JobLease
from app.digest.texts import DAYS
from app.settings import get_settings
from tests.conftest import ENGINE
from tests.factories import make_board, make_card, make_department, make_user
from tests.live import free_port, servers
from tests.mailserver import Inbox

LAYOUTS = {"one server, two workers": [2]}
if ENGINE == "postgres":
    LAYOUTS["two servers, two workers each"] = [2, 2]

# Server processes crowd the two cores: never beside the other multi-process tests.
pytestmark = pytest.mark.xdist_group("redis")


def _this_minute() -> str:
    """A schedule that is due now: today's weekday and the current minute, board time."""
    now = datetime.now(get_settings().zone)
    return f"{DAYS[now.weekday()]} {now:%H:%M}"


def _settled(db: Database, expected: int, *, timeout: float) -> dict[str, str]:
    """The delivery log once every recipient's row is final (and the other processes' first
    looks have certainly passed)."""
    deadline = time.monotonic() + timeout
    while True:
        with db.session() as session:
            rows = {r.email: r.status for r in session.exec(select(DigestDelivery))}
        final = [s for s in rows.values() if s != DeliveryStatus.sending]
        if len(final) >= expected:
            return rows
        assert time.monotonic() < deadline, rows
        time.sleep(0.2)


@pytest.mark.parametrize("layout", list(LAYOUTS.values()), ids=list(LAYOUTS))
def test_every_recipient_gets_the_week_once_from_several_processes(
    layout: list[int], database_url: str, tmp_path: Path, db: Database
) -> None:
    week = content.week_of()
    with clock.frozen_at(week.start + timedelta(days=2, hours=10)), db.session() as session:
        board = make_board(session, name="Maßnahmen 2026")
        bau = make_department(session, name="Bauamt", code="BA")
        make_card(session, board, title="Bauantrag online", department_id=bau.id)
        make_user(session, role=Role.admin, name="Dana Weber", email="cdo@musterstadt.de")
        for number in range(1, 6):
            make_user(session, role=Role.lotse, email=f"lotse{number}@musterstadt.de")
        make_user(session, role=Role.viewer, email="gast@musterstadt.de")
        session.add(DigestSubscription(email="bm@musterstadt.de", name="Bürgermeisterin"))
        session.commit()
    expected = sorted(
        ["cdo@musterstadt.de", "bm@musterstadt.de"]
        + [f"lotse{n}@musterstadt.de" for n in range(1, 6)]
    )
    inbox = Inbox()
    smtp_port = free_port()
    mail_server = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    mail_server.start()
    env = {
        "LOTSENBOARD_DATABASE_URL": database_url,
        "LOTSENBOARD_DATA_DIR": str(tmp_path),
        "LOTSENBOARD_SECRET_KEY": "digest-processes",
        "LOTSENBOARD_SMTP_HOST": "127.0.0.1",
        "LOTSENBOARD_SMTP_PORT": str(smtp_port),
        "LOTSENBOARD_SMTP_SECURITY": "none",
        "LOTSENBOARD_MAIL_FROM": "Lotsenboard <lotsen@musterstadt.de>",
        "LOTSENBOARD_BASE_URL": "https://lotsen.musterstadt.de",
        "LOTSENBOARD_DIGEST_SCHEDULE": _this_minute(),
    }
    try:
        logs = [tmp_path / f"server{number}.log" for number in range(len(layout))]
        with servers(env, workers=layout, logs=logs):
            rows = _settled(db, len(expected), timeout=60)
            # Every worker looks once at start-up; give the slowest one time to have looked.
            time.sleep(3)
            with db.session() as session:
                again = {r.email: r.status for r in session.exec(select(DigestDelivery))}
                lease = session.get(JobLease, "digest")
    finally:
        mail_server.stop()
    assert rows == again == dict.fromkeys(expected, DeliveryStatus.sent)
    assert inbox.to() == expected  # each once: the list would hold a second mail twice
    assert lease is not None and lease.holder
    for message in inbox.messages:
        assert str(message["Subject"]).startswith(f"Wochenübersicht KW {week.number}: ")
        assert "https://lotsen.musterstadt.de/boards/" in message.get_body(("plain",)).get_content()
