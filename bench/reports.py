"""Reports on a long event log: 5,000 measures and 100,000 events over a year, on SQLite and
PostgreSQL.

The log is written straight into the database (what a year of moves through the app leaves
behind: creations, moves forward and back, archiving), then a real server answers the reports
of the 91 days up to yesterday and shows the board as it was a quarter ago; the figures are also
computed in-process, without HTTP, so both can be compared with the budget (a quarter's
cumulative flow and cycle time in ≤ 300 ms). The first answer after start computes the whole
log; the others feed the kept replay what was appended."""

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from run import RESULTS, scratch, server, summary

CARDS = 5_000
EVENTS = 100_000
ROUNDS = 30
SETTLE_SECONDS = 10
# A whole quarter, whatever the day of the run: the 91 days up to yesterday.
_YESTERDAY = datetime.now(UTC).date() - timedelta(days=1)
QUARTER = {
    "period": "custom",
    "from": (_YESTERDAY - timedelta(days=90)).isoformat(),
    "until": _YESTERDAY.isoformat(),
}
QUERY = "&".join(f"{key}={value}" for key, value in QUARTER.items())


def seed(env: dict[str, str]) -> dict[str, Any]:
    """A board with its phases, departments and lotsen through the services; its year of card
    events in bulk."""
    import os

    os.environ.update(env)
    from sqlalchemy import insert, update
    from sqlmodel import col

    from app.accounts import service as accounts
    from app.accounts import tokens
    from app.accounts.models import Role, UserCreate
    from app.boards import service as boards
    from app.boards.models import BoardCreate
    from app.cards.models import Card
    from app.db import Database
    from app.events import names
    from app.events.models import Event
    from app.migrate import upgrade
    from app.people import service as people
    from app.people.models import DepartmentCreate, LotseCreate
    from app.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    upgrade(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    rng = random.Random(14)
    now = datetime.now(UTC)
    start = now - timedelta(days=365)
    with db.session(write=True) as session:
        admin = accounts.create_user(
            session,
            data=UserCreate(
                email="bench@example.org", name="Bench", password="x" * 16, role=Role.admin
            ),
            actor="bench",
        )
        plain, _token = tokens.create_token(session, user=admin, name="bench")
        board = boards.create_board(session, data=BoardCreate(name="Ein Jahr"), actor="bench")
        assert board.id is not None
        phases = boards.list_phases(session, board_id=board.id)
        departments = []
        for index in range(8):
            department = people.create_department(
                session,
                data=DepartmentCreate(name=f"Fachbereich {index}", code=f"FB{index}"),
                actor="bench",
            )
            departments.append(department.id)
            for number in range(3 if index < 5 else 1):
                people.create_lotse(
                    session,
                    data=LotseCreate(name=f"Lotse {index}-{number}", department_id=department.id),
                    actor="bench",
                )
        board_id, seq = board.id, board.last_seq
        board_seq = board.last_seq
        phase_ids = [p.id for p in phases]
        done = len(phase_ids) - 1
    # Every measure starts in the first phase and moves mostly forward, sometimes back.
    rows: list[dict[str, Any]] = []
    cards: list[dict[str, Any]] = []
    per_card = (EVENTS - CARDS) // CARDS
    moments = sorted(start + timedelta(seconds=rng.uniform(0, 365 * 86400)) for _ in range(CARDS))
    for number, created in enumerate(moments, start=1):
        department = rng.choice(departments)
        fields = {
            "id": number,
            "board_id": board_id,
            "phase_id": phase_ids[0],
            "position": 0,
            "title": f"Maßnahme {number}",
            "description": "",
            "department_id": department,
            "lotse_id": None,
            "priority": "normal",
            "size": None,
            "due_date": None,
            "archived": False,
            "version": 1,
            "tags": ["ozg"] if number % 7 == 0 else [],
        }
        rows.append(_event(board_id, names.CARD_CREATED, number, {"after": fields}, created))
        where, at = 0, created
        for _ in range(per_card):
            at = min(now - timedelta(seconds=1), at + timedelta(hours=rng.uniform(1, 72)))
            step = 1 if where == 0 or rng.random() < 0.7 else -1
            target = min(done, max(0, where + step))
            if target == where:
                target = where - 1
            payload = {
                "before": {"phase_id": phase_ids[where], "position": 0},
                "after": {"phase_id": phase_ids[target], "position": 0},
            }
            rows.append(_event(board_id, names.CARD_MOVED, number, payload, at))
            where = target
        cards.append(
            {
                **{k: v for k, v in fields.items() if k != "tags"},
                "phase_id": phase_ids[where],
                "created_at": created,
                "updated_at": at,
                "phase_since": at,
            }
        )
    rows.sort(key=lambda row: row["created_at"])
    for row in rows:
        seq += 1
        row["seq"] = seq
    with db.session(write=True) as session:
        session.execute(insert(Card), cards)
        for offset in range(0, len(rows), 5000):
            session.execute(insert(Event), rows[offset : offset + 5000])
        from app.boards.models import Board

        stored = session.get(Board, board_id)
        assert stored is not None
        stored.last_seq = seq
        # The board, its phases and people were made a year and a day ago, before its first
        # measure: the board as it was then has its phases.
        session.execute(
            update(Event)
            .where(col(Event.seq) <= board_seq)
            .values(created_at=start - timedelta(days=1))
        )
        session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            from sqlalchemy import text

            conn.execute(text("VACUUM ANALYZE"))
    db.dispose()
    return {"board_id": board_id, "token": plain, "events": len(rows) + 1}


def _event(
    board_id: int, kind: str, card_id: int, payload: dict[str, Any], at: datetime
) -> dict[str, Any]:
    return {
        "board_id": board_id,
        "type": kind,
        "actor": "bench",
        "card_id": card_id,
        "payload": payload,
        "created_at": at,
    }


def in_process(env: dict[str, str], board_id: int) -> dict[str, Any]:
    """The quarter's cumulative flow and cycle times computed without HTTP."""
    from app.boards.models import Board
    from app.db import Database
    from app.reports import scope, service
    from app.settings import get_settings

    get_settings.cache_clear()
    db = Database(get_settings().resolved_database_url)
    timings = []
    with db.session() as session:
        board = session.get(Board, board_id)
        assert board is not None
        keys = {g.key for g in service.groups(session)}
        for _ in range(ROUNDS):
            began = time.perf_counter()
            chosen = scope.from_query(session, board, QUARTER, group_keys=keys)
            report = service.Report(session, chosen)
            _ = report.flow, report.cycle_times
            timings.append(time.perf_counter() - began)
            session.rollback()
    db.dispose()
    # The first computes from the whole log; the others feed the kept replay what was added.
    return {"first_ms": round(timings[0] * 1000, 1), **summary(timings[1:])}


def over_http(base: str, token: str, board_id: int) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    found = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for name, path in (
            ("API flow", f"/api/v1/boards/{board_id}/reports/flow?{QUERY}"),
            ("API cycle time", f"/api/v1/boards/{board_id}/reports/cycle-time?{QUERY}"),
            ("page: flow", f"/boards/{board_id}/auswertung?{QUERY}"),
            ("page: times", f"/boards/{board_id}/auswertung/times?{QUERY}"),
            ("board a quarter ago", f"/boards/{board_id}?am={_quarter_ago()}"),
        ):
            timings = []
            for _ in range(ROUNDS // 3):
                began = time.perf_counter()
                response = client.get(path)
                timings.append(time.perf_counter() - began)
                assert response.status_code == 200, (path, response.status_code)
            found.append(
                {
                    "scenario": name,
                    "first_ms": round(timings[0] * 1000, 1),
                    **summary(timings[1:]),
                    "bytes": len(response.content),
                }
            )
    return found


def _quarter_ago() -> str:
    return (datetime.now(UTC) - timedelta(days=91)).date().isoformat()


def run(engine: str) -> dict[str, Any]:
    with scratch(engine) as env:
        began = time.perf_counter()
        world = seed(env)
        seeded = time.perf_counter() - began
        process = in_process(env, world["board_id"])
        with server(env, workers=1) as (base, _pid):
            # Measured as a day's use finds the server: after start-up it reads the long log
            # ahead (a few seconds); the in-process figures above show the cold cost.
            time.sleep(SETTLE_SECONDS)
            http = over_http(base, world["token"], world["board_id"])
    return {
        "engine": engine,
        "cards": CARDS,
        "events": world["events"],
        "seed_seconds": round(seeded, 1),
        "in_process": process,
        "http": http,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    results = [run(engine) for engine in args.engines.split(",")]
    for result in results:
        print(
            f"{result['engine']}: {result['cards']} measures, {result['events']} events; "
            f"quarter's flow + cycle time in-process: first {result['in_process']['first_ms']} ms, "
            f"then p50 {result['in_process']['p50_ms']} ms, p95 {result['in_process']['p95_ms']} ms"
        )
        for row in result["http"]:
            print(
                f"  {row['scenario']}: first {row['first_ms']} ms, then p50 {row['p50_ms']} ms, "
                f"p95 {row['p95_ms']} ms, {row['bytes']} bytes"
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reports.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
