"""A whole instance as one JSON file, and back into an empty database on either engine.

Every table is written row by row, in primary-key order, with times in UTC: the same data gives
the same file on SQLite and on PostgreSQL, so a Kommune can move from the embedded default to
its production server and check that nothing changed. Logins, reset links and failed-login
records are not data but security state: they stay behind. Password hashes and API tokens only
travel with `with_accounts`."""

import json
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Engine,
    Table,
    Time,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

from app.errors import Conflict, InvalidInput
from app.models import metadata

FORMAT = "lotsenboard-backup"
VERSION = 1
# Security state, not data: a restored instance starts without logins or pending resets, and
# with a key of its own (app/realtime/instance.py).
LEFT_OUT = {"login_session", "password_reset", "login_failure", "job_lease", "instance"}
# Secrets that let someone in: only with `with_accounts`.
ACCOUNT_SECRETS = {"api_token"}
# Filled by the migrations themselves (the default categories): the backup's rows replace them.
SEEDED = {"annotation_category"}
# What a restored account has instead of a password: it verifies nothing (a reset sets one).
NO_PASSWORD = "!"


def _tables(with_accounts: bool) -> list[Table]:
    left_out = LEFT_OUT | (set() if with_accounts else ACCOUNT_SECRETS)
    return [table for table in metadata.sorted_tables if table.name not in left_out]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def export_all(session: Session, *, revision: str, with_accounts: bool = False) -> dict[str, Any]:
    """Every table of the instance (without security state), as plain JSON values."""
    if _engine(session).dialect.name == "postgresql" and not session.in_transaction():
        # One snapshot for all tables, whatever is written meanwhile.
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
    tables: dict[str, Any] = {}
    for table in _tables(with_accounts):
        columns = [column.name for column in table.columns]
        keys = [columns.index(c.name) for c in table.primary_key.columns] or list(
            range(len(columns))
        )
        rows = []
        for row in session.execute(select(table)):
            values = dict(zip(columns, row, strict=True))
            if table.name == "user" and not with_accounts:
                values["password_hash"] = None
            rows.append([_plain(values[name]) for name in columns])
        # Sorted here, not by the database: collations differ between engines and locales.
        rows.sort(key=lambda row: [(row[i] is None, row[i]) for i in keys])
        tables[table.name] = {"columns": columns, "rows": rows}
    return {
        "format": FORMAT,
        "version": VERSION,
        "schema": revision,
        "with_accounts": with_accounts,
        "tables": tables,
    }


def dumps(backup: dict[str, Any]) -> str:
    """The file's text: stable key order and no spacing noise, so equal data is an equal file."""
    return json.dumps(backup, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def _typed(table: Table, columns: list[str], row: list[Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in zip(columns, row, strict=True):
        declared = table.columns[name].type
        # The app's own column types (UTC times) wrap the engine's.
        kind: Any = declared.impl if isinstance(declared, TypeDecorator) else declared
        if value is not None and isinstance(kind, DateTime):
            values[name] = datetime.fromisoformat(value)
        elif value is not None and isinstance(kind, Date):
            values[name] = date.fromisoformat(value)
        elif value is not None and isinstance(kind, Time):
            values[name] = time.fromisoformat(value)
        else:
            values[name] = value
    if table.name == "user" and values.get("password_hash") is None:
        values["password_hash"] = NO_PASSWORD
    return values


def check(backup: Any, *, revision: str) -> None:
    """Refuse what is not a backup of this version of the schema, naming what is wrong."""
    if not isinstance(backup, dict) or backup.get("format") != FORMAT:
        raise InvalidInput("file", "not a Lotsenboard backup")
    if backup.get("version") != VERSION:
        raise InvalidInput("file", "a backup of another format version")
    if backup.get("schema") != revision:
        raise InvalidInput(
            "file",
            "the backup is of database version %(found)s, this one is %(here)s: restore it "
            "with the Lotsenboard release it was made with, then update",
            found=str(backup.get("schema")),
            here=revision,
        )
    known = {table.name: table for table in metadata.sorted_tables}
    for name, content in (backup.get("tables") or {}).items():
        table = known.get(name)
        if table is None or name in LEFT_OUT:
            raise InvalidInput("file", "the backup holds an unknown table %(name)s", name=name)
        if set(content.get("columns") or []) - set(table.columns.keys()):
            raise InvalidInput("file", "the backup's table %(name)s has unknown columns", name=name)


def refuse_unless_empty(session: Session) -> None:
    """Refuse a database that holds data (tables not made yet count as empty)."""
    existing = set(inspect(session.connection()).get_table_names())
    for table in metadata.sorted_tables:
        if table.name in LEFT_OUT | SEEDED or table.name not in existing:
            continue
        if session.execute(select(func.count()).select_from(table)).scalar_one():
            raise Conflict(
                "the database is not empty (table %(name)s): restore only into a new one",
                values={"name": table.name},
            )


def import_all(session: Session, *, backup: dict[str, Any], revision: str) -> dict[str, int]:
    """Write a backup into an empty database in one transaction; rows per table."""
    check(backup, revision=revision)
    refuse_unless_empty(session)
    counts: dict[str, int] = {}
    content = backup["tables"]
    for table in metadata.sorted_tables:
        if table.name not in content:
            continue
        columns, rows = content[table.name]["columns"], content[table.name]["rows"]
        if table.name in SEEDED:
            session.execute(delete(table))
        typed = [_typed(table, columns, row) for row in rows]
        # A row may point to a later row of its own table (a merged agenda point): those
        # references are filled in once all rows are there.
        own = [
            c.name for c in table.columns if any(k.column.table is table for k in c.foreign_keys)
        ]
        later = [({name: values[name] for name in own}, values) for values in typed if own]
        if typed:
            session.execute(insert(table), [values | dict.fromkeys(own) for values in typed])
        key = [c.name for c in table.primary_key.columns]
        for references, values in later:
            if any(value is not None for value in references.values()):
                session.execute(
                    update(table)
                    .where(*(table.c[name] == values[name] for name in key))
                    .values(references)
                )
        counts[table.name] = len(rows)
    _continue_sequences(session)
    session.commit()
    return counts


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _continue_sequences(session: Session) -> None:
    """On PostgreSQL, new rows must be numbered after the restored ones."""
    if _engine(session).dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) == 1 and key[0].autoincrement in (True, "auto") and key[0].name == "id":
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                )
            )
