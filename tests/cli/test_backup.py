"""Backup and restore from the command line: SQLite → PostgreSQL → SQLite gives the same file,
and a restore refuses what it must not do, changing nothing."""

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, make_url, text
from sqlmodel import func, select
from typer.testing import CliRunner

from app.accounts import service as accounts
from app.boards.models import Board
from app.cards import service as cards
from app.cards.models import CardCreate
from app.cli import cli
from app.db import Database
from app.events.models import Event
from app.settings import get_settings
from tests.conftest import POSTGRES_ADMIN_URL

runner = CliRunner()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new PostgreSQL database, whatever engine the rest of the suite runs on."""
    name = f"lotsenboard_backup_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def use(monkeypatch: pytest.MonkeyPatch, url: str, data_dir: Path) -> None:
    monkeypatch.setenv("LOTSENBOARD_DATABASE_URL", url)
    monkeypatch.setenv("LOTSENBOARD_DATA_DIR", str(data_dir))
    get_settings.cache_clear()


def run(*arguments: str, code: int = 0) -> str:
    result = runner.invoke(cli, list(arguments))
    assert result.exit_code == code, result.output
    return result.output


def counts(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        with db.session() as session:
            return (
                session.exec(select(func.count()).select_from(Board)).one(),
                session.exec(select(func.count()).select_from(Event)).one(),
            )
    finally:
        db.dispose()


def test_sqlite_to_postgresql_and_back_gives_the_same_backup(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, postgres_url: str
) -> None:
    first = f"sqlite:///{tmp_path / 'first.db'}"
    use(monkeypatch, first, tmp_path)
    run("migrate")
    shown = run("demo")
    password = re.search(r"cdo@musterstadt.de / Passwort: (\S+)", shown)
    assert password is not None
    run("export", str(tmp_path / "a.json"), "--all")
    run("export", str(tmp_path / "a-accounts.json"), "--all", "--with-accounts")

    use(monkeypatch, postgres_url, tmp_path)
    output = run("import", str(tmp_path / "a.json"), "--all")
    assert "reset-password" in output
    run("export", str(tmp_path / "b.json"), "--all")

    second = f"sqlite:///{tmp_path / 'second.db'}"
    use(monkeypatch, second, tmp_path)
    run("import", str(tmp_path / "b.json"), "--all")
    run("export", str(tmp_path / "c.json"), "--all")

    a, b, c = ((tmp_path / f"{n}.json").read_bytes() for n in "abc")
    assert a == b == c
    assert counts(second) == counts(first)
    backup = json.loads(a)
    assert backup["tables"]["event"]["rows"] and backup["tables"]["card"]["rows"]
    assert {"login_session", "password_reset", "api_token"}.isdisjoint(backup["tables"])
    hashes = backup["tables"]["user"]["columns"].index("password_hash")
    assert {row[hashes] for row in backup["tables"]["user"]["rows"]} == {None}

    # PostgreSQL numbers new rows after the restored ones.
    db = Database(postgres_url)
    try:
        with db.session(write=True) as session:
            board = session.exec(select(Board)).first()
            assert board is not None and board.id is not None
            phase_id = json.loads(a)["tables"]["phase"]["rows"][0][0]
            card = cards.create_card(
                session,
                board_id=board.id,
                data=CardCreate(title="Nach dem Umzug", phase_id=phase_id),
                actor="Test",
            )
            assert card.id is not None and card.id > len(backup["tables"]["card"]["rows"])
    finally:
        db.dispose()

    # With the accounts, the CDO logs in with her password on the new server.
    third = f"sqlite:///{tmp_path / 'third.db'}"
    use(monkeypatch, third, tmp_path)
    run("import", str(tmp_path / "a-accounts.json"), "--all")
    db = Database(third)
    try:
        with db.session(write=True) as session:
            user = accounts.authenticate(
                session,
                email="cdo@musterstadt.de",
                password=password.group(1),
                ip="127.0.0.1",
                settings=get_settings(),
            )
            assert user.role == "admin"
    finally:
        db.dispose()


def test_a_restore_refuses_a_full_database_and_foreign_files_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'full.db'}"
    use(monkeypatch, url, tmp_path)
    run("migrate")
    run("demo")
    run("export", str(tmp_path / "backup.json"), "--all")
    before = counts(url)
    refused = run("import", str(tmp_path / "backup.json"), "--all", code=2)
    assert "nicht leer" in refused
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    use(monkeypatch, empty, tmp_path)
    backup = json.loads((tmp_path / "backup.json").read_text())
    for name, change in {
        "other": lambda b: b.update(format="trello"),
        "old": lambda b: b.update(schema="0000"),
        "table": lambda b: b["tables"].update(secrets={"columns": [], "rows": []}),
        "broken": None,
    }.items():
        path = tmp_path / f"{name}.json"
        if change is None:
            path.write_text("{ kaputt")
        else:
            copy = json.loads(json.dumps(backup))
            change(copy)
            path.write_text(json.dumps(copy))
        run("import", str(path), "--all", code=2)
        # Refused before the database was touched: not even migrated.
        engine = create_engine(empty)
        assert inspect(engine).get_table_names() == [], name
        engine.dispose()
    use(monkeypatch, url, tmp_path)
    assert counts(url) == before
    assert "--all oder --board" in run("export", str(tmp_path / "x.json"), code=2)


def test_import_measures_from_the_command_line_dry_run_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'import.db'}"
    use(monkeypatch, url, tmp_path)
    run("migrate")
    run("demo")
    sample = str(Path(__file__).resolve().parents[1] / "data" / "massnahmen-excel.csv")
    before = counts(url)
    trial = run("import", sample, "--board", "1", "--dry-run", "--create-missing")
    assert trial.startswith("Probelauf: ")
    assert counts(url) == before
    done = run("import", sample, "--board", "1", "--create-missing")
    assert done.startswith("Importiert: ")
    # What the dry run said is what the import did.
    assert trial.splitlines()[1:] == done.splitlines()[1:]
    refused = run(
        "import", sample, "--board", "1", "--mapping", "Maßnahme=title,Fällig am=priority", code=2
    )
    assert "Nichts wurde importiert" in refused and "Zeile 5: abgelehnt" in refused
    assert "Zuordnung" in run("import", sample, "--board", "1", "--mapping", "X=title", code=2)
