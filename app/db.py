"""Engine, metadata conventions, the UTC timestamp type and the session dependency."""

import fcntl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import orjson
from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

from app import clock

# Stable constraint names, so migrations look the same on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE_OPTION = "lotsenboard_write"
BROKER_INFO = "lotsenboard_broker"
REDIS_INFO = "lotsenboard_redis_url"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes, stored as UTC on every engine."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; times are stored in UTC")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: store naive UTC text.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return clock.now()


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain `postgresql://` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


WRITER_INFO = "lotsenboard_writer"


class WriterQueue:
    """The writers of this process, served in the order they came (a ticket lock).

    SQLite lets one transaction write at a time; a writer that finds the lock taken sleeps in
    its busy handler, ever longer (up to 100 ms a time), and one that arrives later may slip in
    first: under 16 writers one move in a hundred waited 2–3 s. Waiting here instead, in turn,
    each writer starts as soon as the one before it ends. Between processes (several workers on
    one file) the turn is a lock on a file beside the database, which the kernel hands to the
    next waiter at once. Re-entrant: a thread that writes already may begin again."""

    def __init__(self, lock_path: Path | None = None) -> None:
        self._path = lock_path
        self._file: BinaryIO | None = None  # open while this process has the turn
        self._turn = threading.Condition()
        self._next = 0
        self._serving = 0
        self._owner: int | None = None
        self._depth = 0

    def enter(self) -> None:
        me = threading.get_ident()
        with self._turn:
            if self._owner == me:
                self._depth += 1
                return
            ticket = self._next
            self._next += 1
            while self._serving != ticket:
                self._turn.wait()
            self._owner, self._depth = me, 1
        if self._path is not None:
            try:
                self._file = self._path.open("a+b")
                fcntl.flock(self._file, fcntl.LOCK_EX)
            except BaseException:
                self.leave()
                raise

    def leave(self) -> None:
        with self._turn:
            self._depth -= 1
            if self._depth == 0:
                if self._file is not None:
                    self._file.close()  # and with it the lock
                    self._file = None
                self._owner = None
                self._serving += 1
                self._turn.notify_all()


def _configure_sqlite(engine: Engine, lock_path: Path | None) -> None:
    writers = WriterQueue(lock_path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below), so the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A write transaction takes the write lock up front: a deferred one that
        # reads first and writes later fails at once (SQLITE_BUSY_SNAPSHOT) when
        # another writer committed in between, and the busy timeout cannot help.
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        if write:
            writers.enter()
            connection.info[WRITER_INFO] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        except BaseException:
            _done(connection.info)
            raise

    def _done(info: dict[str, Any]) -> None:
        if info.pop(WRITER_INFO, False):
            writers.leave()

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Any) -> None:
        _done(connection.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection: Any) -> None:
        _done(connection.info)

    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # A connection given back without commit or rollback (its holder went away) still
        # lets the next writer in.
        _done(record.info)


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        parsed = make_url(url)
        lock_path = None
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            lock_path = Path(f"{parsed.database}-writers.lock")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            max_overflow=20,
            json_deserializer=orjson.loads,
        )
        _configure_sqlite(engine, lock_path)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, json_deserializer=orjson.loads
    )


class Database:
    """One engine; sessions for reading and for writing."""

    def __init__(
        self, url: str, *, broker: str = "auto", redis_url: str = "redis://127.0.0.1:6379/0"
    ) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url)
        if broker == "auto":
            broker = "postgres" if self.engine.dialect.name == "postgresql" else "memory"
        if broker == "postgres" and self.engine.dialect.name != "postgresql":
            raise ValueError("the postgres broker needs a PostgreSQL database")
        # How committed events reach the websockets: see app/realtime/broker.py.
        self.broker = broker
        self.redis_url = redis_url

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, write: bool = False) -> Session:
        options = {WRITE_OPTION: True} if write else {}
        info = {BROKER_INFO: self.broker, REDIS_INFO: self.redis_url}
        return Session(self.engine, expire_on_commit=False, execution_options=options, info=info)

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; unsafe methods get a write transaction."""
    db = get_db(request)
    with db.session(write=request.method not in _READ_METHODS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
DatabaseDep = Annotated[Database, Depends(get_db)]


def end_unchanged(session: Session, *objects: object) -> None:
    """End a transaction that changed nothing, keeping `objects` as they were read.

    A plain rollback would expire them, and the next access could show a newer
    state than the one the caller's check was made against.
    """
    for obj in objects:
        if obj in session:
            session.expunge(obj)
    session.rollback()


def ident(row: Any) -> int:
    """The primary key of a stored row (typed: never None once flushed)."""
    value = row.id
    assert isinstance(value, int)
    return value
