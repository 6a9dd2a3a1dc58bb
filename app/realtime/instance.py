"""The Redis channel of this installation.

Redis pub/sub ignores the database number in the Redis URL: installations sharing one Redis
server (a test and a production board, containers of one image with the same paths) keep apart
by a channel named after a key kept in their own database, not after how a URL is written."""

import secrets
import threading
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.realtime.models import Instance

CHANNEL = "lotsenboard_events"

_lock = threading.Lock()
_keys: "WeakKeyDictionary[Engine, str]" = WeakKeyDictionary()


def redis_channel(engine: Engine) -> str:
    """The channel every process using this database publishes and listens on."""
    with _lock:
        key = _keys.get(engine)
        if key is None:
            key = _keys[engine] = _key(engine)
    return f"{CHANNEL}.{key}"


def _key(engine: Engine) -> str:
    read = select(col(Instance.key)).where(col(Instance.id) == 1)
    with engine.connect() as connection:
        found = connection.execute(read).scalar()
    if found is not None:
        return found
    try:
        with engine.begin() as connection:
            connection.execute(insert(Instance).values(id=1, key=secrets.token_hex(8)))
    except IntegrityError:
        pass  # another worker made it at the same moment: theirs counts
    with engine.connect() as connection:
        return connection.execute(read).scalar_one()
