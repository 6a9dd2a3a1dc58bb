"""Two Lotsenboard instances on one Redis server: each hears only its own notes.

Redis pub/sub channels ignore the database number in the URL, so a test instance and the
production instance of a town hall sharing one Redis server used to relay each other's notes:
"3:17" named a board and seq in both, and "0:5" re-rendered every board of the other one.
"""

import time
from pathlib import Path

import pytest
import redis

from app.db import Database
from app.people import service as people
from app.people.models import DepartmentUpdate
from app.settings import Settings
from tests.factories import make_board, make_department

REDIS_URL = "redis://127.0.0.1:6379/0"


def instance(secret: str, data_dir: Path) -> Settings:
    return Settings(broker="redis", secret_key=secret, data_dir=data_dir, redis_url=REDIS_URL)


def test_every_worker_of_an_instance_agrees_on_its_channel_and_others_differ(
    tmp_path: Path,
) -> None:
    one, same, other = (
        instance("rathaus-produktion", tmp_path).redis_channel(),
        instance("rathaus-produktion", tmp_path / "zweiter-server").redis_channel(),
        instance("rathaus-test", tmp_path).redis_channel(),
    )
    assert one == same != other
    assert one.startswith("lotsenboard_events.") and "rathaus" not in one  # the key stays secret
    # Generated keys live in the data directory: workers sharing it share the channel.
    shared = tmp_path / "geteilt"
    generated = Settings(broker="redis", data_dir=shared).redis_channel()
    assert Settings(broker="redis", data_dir=shared).redis_channel() == generated != one


def test_notes_of_one_instance_do_not_reach_another_on_the_same_redis(
    database_url: str, tmp_path: Path
) -> None:
    production, test = instance("produktion", tmp_path), instance("test", tmp_path)
    listener = redis.Redis.from_url(REDIS_URL).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(production.redis_channel(), test.redis_channel())
    db = Database(
        database_url,
        broker="redis",
        redis_url=REDIS_URL,
        redis_channel=production.redis_channel(),
    )
    try:
        with db.session() as session:
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
        db.dispose()
    channels = {channel for channel, _note in heard}
    assert channels == {production.redis_channel()}, heard
    assert any(note.startswith(f"{board.id}:") for _channel, note in heard)
    assert any(note.startswith("0:") for _channel, note in heard)


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite's own settings must not decide which instance these are.
    for name in ("LOTSENBOARD_SECRET_KEY", "LOTSENBOARD_BROKER", "LOTSENBOARD_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
