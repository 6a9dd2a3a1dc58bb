"""Two Lotsenboard instances on one Redis server: each hears only its own notes.

Redis pub/sub channels ignore the database number in the URL, so a test instance and the
production instance of a town hall sharing one Redis server used to relay each other's notes:
"3:17" named a board and seq in both, and "0:5" re-rendered every board of the other one.
"""

import time
from pathlib import Path

import pytest
import redis

from app.db import Database, redis_channel
from app.people import service as people
from app.people.models import DepartmentUpdate
from tests.factories import make_board, make_department

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_every_worker_and_command_of_an_instance_agrees_on_its_channel_and_others_differ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = f"sqlite:///{tmp_path / 'produktion' / 'lotsenboard.db'}"
    monkeypatch.chdir(tmp_path)  # a command run beside the data directory names it relatively
    same = "sqlite:///produktion/lotsenboard.db"
    test = f"sqlite:///{tmp_path / 'test' / 'lotsenboard.db'}"
    assert redis_channel(production) == redis_channel(same) != redis_channel(test)
    server = "postgresql://lotsenboard:geheim@db.rathaus.local/lotsenboard"
    assert redis_channel(server) == redis_channel(server.replace("geheim", "neu"))
    assert redis_channel(server) != redis_channel(server.replace("/lotsenboard", "/test"))
    channel = redis_channel(server)
    assert channel.startswith("lotsenboard_events.")
    assert "rathaus" not in channel and "geheim" not in channel


def test_notes_of_one_instance_do_not_reach_another_on_the_same_redis(
    database_url: str, tmp_path: Path, db: Database
) -> None:
    # The test database (emptied afterwards by `db`), announcing through Redis.
    announcing = Database(database_url, broker="redis", redis_url=REDIS_URL)
    other = redis_channel(f"sqlite:///{tmp_path / 'test.db'}")  # another instance's
    listener = redis.Redis.from_url(REDIS_URL).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(announcing.redis_channel, other)
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
    channels = {channel for channel, _note in heard}
    assert channels == {announcing.redis_channel}, heard
    assert any(note.startswith(f"{board.id}:") for _channel, note in heard)
    assert any(note.startswith("0:") for _channel, note in heard)
