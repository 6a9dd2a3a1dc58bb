"""The import from the command line says which column fills which field and how rows find
their measures, and refuses a bad mapping in German, changing nothing."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.db import Database
from app.settings import get_settings
from tests.helpers import dump


def invoke(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(arguments))
    return result.exit_code, result.output


def test_the_command_line_names_columns_rule_and_bad_mappings_in_german(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOTSENBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'import.db'}")
    monkeypatch.setenv("LOTSENBOARD_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert invoke("migrate")[0] == 0
    assert invoke("demo")[0] == 0
    path = tmp_path / "liste.csv"
    path.write_bytes("Maßnahme;Amt;Spalte X\r\nE-Akte Gewerbe;OA;egal\r\n".encode("cp1252"))
    code, shown = invoke("import", str(path), "--board", "1", "--dry-run")
    assert code == 0, shown
    assert shown.splitlines()[:4] == [
        "Probelauf: 1 neu, 0 aktualisiert, 0 unverändert. Nichts wurde geändert.",
        "Spalte „Maßnahme“ → Titel",
        "Spalte „Amt“ → Fachbereich",
        "Eine Zeile aktualisiert die Maßnahme mit demselben Titel auf diesem Board (gleich, ob "
        "groß oder klein, mit Umlaut oder ausgeschrieben); sonst legt sie eine neue an.",
    ]
    assert "Spalte X" not in shown
    db = Database(get_settings().resolved_database_url)
    before = dump(db)
    for option, message in [
        ("Maßnahme=titel", "Zuordnung: unbekanntes Feld „titel“ (eines von: title,"),
        ("Bemerkung=title", "Zuordnung: keine Spalte „Bemerkung“ in der Datei"),
    ]:
        code, refused = invoke("import", str(path), "--board", "1", "--mapping", option)
        assert code == 2
        assert message in refused
    assert dump(db) == before
    db.dispose()
