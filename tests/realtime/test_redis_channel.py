"""Two Lotsenboard installations on one Redis server: each hears only its own notes.

Redis pub/sub channels ignore the database number in the URL, so a test installation and the
production one of a town hall sharing one Redis server used to relay each other's notes: "3:17"
named a board and seq in both, and "0:5" re-rendered every board of the other one.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import redis
from sqlmodel import select

from app import migrate
from app.backup import service as backup
from app.db import Database
from app.people import service as people
from app.people.models import DepartmentUpdate
from app.realtime import instance
from app.realtime.models import Instance
from tests.conftest import DatabaseFactory
from tests.factories import make_board, make_department

REDIS_URL = "redis://127.0.0.1:6379/0"


def _channel_in_another_process(url: str) -> str:
    """What a second worker (or a command run from a shell) finds for the same database."""
    code = (
        "import sys; from app.db import Database; from app.realtime import instance; "
        "print(instance.redis_channel(Database(sys.argv[1]).engine))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, url], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_every_process_of_an_installation_shares_its_channel_and_a_restored_copy_does_not(
    database_url: str, database_factory: DatabaseFactory, tmp_path: Path, db: Database
) -> None:
    first, second = Database(database_url), Database(database_url)  # two workers'
    try:
        channel = instance.redis_channel(first.engine)
        assert instance.redis_channel(second.engine) == channel
    finally:
        first.dispose()
        second.dispose()
    assert channel.startswith("lotsenboard_events.")
    assert _channel_in_another_process(database_url) == channel
    # However its address is written (a shell's command beside the server's workers).
    alias = (
        database_url.replace("sqlite:///", "sqlite+pysqlite:///")
        if database_url.startswith("sqlite")
        else database_url.replace("@127.0.0.1", "@localhost")
    )
    assert alias != database_url
    assert _channel_in_another_process(alias) == channel
    with db.session() as session:
        assert len(session.exec(select(Instance)).all()) == 1  # made once, by the first
        make_board(session, name="Maßnahmen 2027")
    # The test installation, restored from production's backup: a channel of its own.
    copy = database_factory.create()
    migrate.upgrade(copy)
    saved = tmp_path / "backup.json"
    with db.session() as session:
        saved.write_text(backup.dumps(backup.export_all(session, revision="test")))
    restored = Database(copy)
    try:
        with restored.session(write=True) as session:
            backup.import_all(session, backup=json.loads(saved.read_text()), revision="test")
        assert instance.redis_channel(restored.engine) != channel
        assert _channel_in_another_process(copy) == instance.redis_channel(restored.engine)
    finally:
        restored.dispose()


def test_notes_of_one_installation_do_not_reach_another_on_the_same_redis(
    database_url: str, database_factory: DatabaseFactory, db: Database
) -> None:
    # The test database (emptied afterwards by `db`), announcing through Redis.
    announcing = Database(database_url, broker="redis", redis_url=REDIS_URL)
    other_url = database_factory.create()
    migrate.upgrade(other_url)
    other = Database(other_url)
    listener = redis.Redis.from_url(REDIS_URL).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(
        instance.redis_channel(announcing.engine), instance.redis_channel(other.engine)
    )
    try:
        with announcing.session() as session:
            board = make_board(session, name="Maßnahmen 2027")  # a board event
            department = make_department(session, name="Bauamt", code="BA")
            people.update_department(  # a new name shows on every board
                session,
                department_id=department.id,
                data=DepartmentUpdate(name="Bau- und Planungsamt"),
                actor="Dana Weber",
            )
            session.commit()
        heard: list[tuple[str, str]] = []
        quiet_until = time.monotonic() + 3  # a note, stray or not, would have arrived by then
        while time.monotonic() < quiet_until:
            message = listener.get_message(timeout=0.2)
            if message is not None:
                heard.append((message["channel"].decode(), message["data"].decode()))
                quiet_until = time.monotonic() + 1
    finally:
        listener.close()
        announcing.dispose()
        other.dispose()
    channels = {channel for channel, _note in heard}
    assert channels == {instance.redis_channel(announcing.engine)}, heard
    assert any(note.startswith(f"{board.id}:") for _channel, note in heard)
    assert any(note.startswith("0:") for _channel, note in heard)
