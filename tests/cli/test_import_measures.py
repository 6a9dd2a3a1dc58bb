"""`lotsenboard import FILE --board ID` as an operator runs it: columns named by header or by
number, the dry run first, then the import; a file over the size limit changes nothing."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.db import Database
from app.settings import get_settings
from tests.conftest import DatabaseFactory
from tests.factories import make_board, make_kommune
from tests.helpers import dump
from tests.unit.test_imports import EXPECTED, measures

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "massnahmen-excel.csv"


@pytest.fixture
def kommune(
    database_factory: DatabaseFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[Database, int]]:
    """A migrated database of the engine under test the CLI is pointed at, with a board and
    the departments and lotsen of the sample list; the board's number."""
    url = database_factory.create()
    monkeypatch.setenv("LOTSENBOARD_DATABASE_URL", url)
    monkeypatch.setenv("LOTSENBOARD_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    run("migrate")
    db = Database(url)
    with db.session() as session:
        board = make_board(session, name="Maßnahmen 2026")
        make_kommune(session)
        session.commit()
        assert board.id is not None
        board_id = board.id
    yield db, board_id
    db.dispose()
    get_settings.cache_clear()


def run(*arguments: str, code: int = 0) -> str:
    result = runner.invoke(cli, list(arguments))
    assert result.exit_code == code, result.output
    return result.output


def test_columns_named_by_header_and_by_number_import_every_field(
    kommune: tuple[Database, int],
) -> None:
    db, board_id = kommune
    # Half the columns by their header (any case), half by their number from 1; "Nr." left out.
    columns = (
        "Maßnahme=title,3=description,FACHBEREICH=department,5=lotse,Status=phase,"
        "7=priority,fällig am=due_date,9=tags,Größe=size"
    )
    before = dump(db)
    trial = run("import", str(SAMPLE), "--board", str(board_id), "--mapping", columns, "--dry-run")
    assert dump(db) == before
    lines = trial.splitlines()
    assert "Probelauf: 25 neu, 0 aktualisiert, 0 unverändert. Nichts wurde geändert." in lines
    rows = [f"Zeile {row}: neu – {title}" for row, title, *_ in EXPECTED]
    assert [line for line in lines if line.startswith("Zeile ")] == rows
    # It says how a second import finds these measures again.
    assert "mit demselben Titel" in trial

    done = run("import", str(SAMPLE), "--board", str(board_id), "--mapping", columns)
    assert "Importiert: 25 neu, 0 aktualisiert, 0 unverändert." in done.splitlines()
    # What the dry run said is what the import did.
    summaries = ("Probelauf: ", "Importiert: ")
    assert [line for line in done.splitlines() if not line.startswith(summaries)] == [
        line for line in lines if not line.startswith(summaries)
    ]
    with db.session() as session:
        assert measures(session, board_id) == sorted(measure[1:] for measure in EXPECTED)


def test_a_file_over_the_size_limit_is_refused_and_changes_nothing(
    kommune: tuple[Database, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db, board_id = kommune
    assert SAMPLE.stat().st_size > 1024
    monkeypatch.setenv("LOTSENBOARD_IMPORT_MAX_BYTES", "1024")
    get_settings.cache_clear()
    before = dump(db)
    refused = run("import", str(SAMPLE), "--board", str(board_id), code=2)
    assert "größer als 1 KB (LOTSENBOARD_IMPORT_MAX_BYTES)" in refused
    assert "Zeile" not in refused
    refused = run("import", str(SAMPLE), "--board", str(board_id), "--dry-run", code=2)
    assert "größer als 1 KB" in refused
    assert dump(db) == before
