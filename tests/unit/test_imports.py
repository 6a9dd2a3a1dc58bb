"""Measures from the CDO's spreadsheet: the sample files as a German Excel writes them import
with every field; the dry run is the real run; a second import changes nothing; and every
refused file or row leaves the database as it was."""

import csv
import importlib.util
import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from app.boards.models import Phase
from app.cards import export
from app.cards.models import Card, CardFilter
from app.db import Database
from app.errors import InvalidInput
from app.events.models import Event
from app.imports import mapping, reading, texts
from app.imports import service as imports
from app.people.models import Department, Lotse
from app.web import downloads
from tests.factories import make_board, make_kommune, make_lotse
from tests.helpers import dump

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLES = ["massnahmen.xlsx", "massnahmen-excel.csv"]


# fmt: off
# Every measure of the sample lists (tests/data/make_samples.py) as the board must hold it:
# row, title, description, department, lotse, phase, priority, due date, tags, size.
EXPECTED: list[tuple[int, str, str, str, str, str, str, date | None, list[str], str | None]] = [
    (5, "E-Akte Wohngeld", "Anträge digital bearbeiten; Papierakte ablösen", "Sozialamt",
     "Olga Petrová", "In Umsetzung", "high", date(2027, 3, 31), ["E-Akte", "OZG"], "L"),
    (6, "Online-Antrag Elterngeld", "Antrag über das Landesportal, Nachweise als Upload",
     "Sozialamt", "Olga Petrová", "Priorisiert", "high", date(2027, 6, 30),
     ["Bürgerservice", "OZG"], "M"),
    (7, "Terminvergabe Schuldnerberatung", "Beratungstermine online buchbar, Erinnerung per SMS",
     "Sozialamt", "", "Ideenspeicher", "normal", None, ["Termine"], "S"),
    (8, "Bildung und Teilhabe digital",
     "Gutscheine für Mittagessen und Ausflüge digital ausgeben.\n"
     "Abrechnung mit den Schulen über das Portal.",
     "Sozialamt", "Olga Petrová", "Ideenspeicher", "low", None, ["BuT"], "M"),
    (10, "Online-Terminvergabe Bürgerbüro", "Termine für Pass, Personalausweis und Meldesachen",
     "Bürgeramt", "Jürgen Weiß", "Erledigt", "urgent", date(2026, 10, 1),
     ["Bürgerservice", "Termine"], "M"),
    (11, "Wohnsitzanmeldung online", "eWA-Dienst des Landes anbinden; Meldebestätigung als PDF",
     "Bürgeramt", "Jürgen Weiß", "In Umsetzung", "high", date(2027, 2, 15), ["OZG"], "L"),
    (12, "Selbstbedienungsterminal für Lichtbilder",
     'Passfotos direkt im Bürgerbüro aufnehmen ("Speed Capture")', "Bürgeramt", "Jürgen Weiß",
     "Priorisiert", "normal", date(2027, 5, 31), [], "S"),
    (13, "Fundbüro online", "Fundsachen im Internet suchen und verlorene Dinge melden",
     "Bürgeramt", "", "Ideenspeicher", "low", None, ["Bürgerservice"], "S"),
    (15, "Hundesteuer online", "An- und Abmeldung über das Portal", "Kämmerei", "Markus Schulz",
     "Erledigt", "low", date(2026, 10, 1), [], "S"),
    (16, "E-Rechnung einführen",
     "XRechnung-Eingang über die zentrale Plattform, Freigabe im Workflow", "Kämmerei",
     "Markus Schulz", "In Umsetzung", "urgent", date(2026, 11, 27), ["E-Rechnung", "XRechnung"],
     "XL"),
    (17, "Gewerbesteuerbescheide elektronisch",
     "Bescheide über das Postfach im Unternehmenskonto zustellen", "Kämmerei", "Markus Schulz",
     "Ideenspeicher", "normal", date(2027, 12, 31), ["Unternehmenskonto"], "M"),
    (18, "SEPA-Lastschriftmandate digital", "", "Kämmerei", "", "Priorisiert", "normal", None,
     ["Zahlungsverkehr"], "S"),
    (20, "Mängelmelder", "Bürger:innen melden Schäden mit Foto und Ort", "Ordnungsamt",
     "Claudia Neumann", "Priorisiert", "urgent", date(2026, 12, 20), ["App", "Bürgerservice"],
     "M"),
    (21, "Gewerbeanmeldung digital",
     "Gewerbe an-, um- und abmelden; Weiterleitung an IHK und Finanzamt", "Ordnungsamt",
     "Claudia Neumann", "In Umsetzung", "high", date(2027, 1, 31), ["OZG", "Unternehmenskonto"],
     "L"),
    (22, "Bewohnerparkausweise online", "Antrag, Bezahlung und Ausweis als PDF zum Ausdrucken",
     "Ordnungsamt", "Claudia Neumann", "Ideenspeicher", "normal", None, ["Verkehr"], "M"),
    (23, "Bußgeldverfahren ohne Papier", "Anhörung und Bescheid elektronisch; Zahlung online",
     "Ordnungsamt", "", "Ideenspeicher", "low", None, ["E-Akte"], "XL"),
    (25, "Online-Buchung Sporthallen", "Vereine buchen Hallenzeiten selbst", "Schulen & Sport",
     "Lukas Braun", "Ideenspeicher", "normal", None, ["Bürgerservice"], "M"),
    (26, "WLAN in allen Grundschulen", "Ausbau aus dem DigitalPakt Schule; sechs Standorte",
     "Schulen & Sport", "Lukas Braun", "In Umsetzung", "high", date(2027, 7, 31),
     ["DigitalPakt", "Infrastruktur"], "XL"),
    (27, "Schulanmeldung online",
     "Anmeldung der Erstklässler über ein Formular statt im Sekretariat", "Schulen & Sport",
     "Lukas Braun", "Priorisiert", "normal", date(2027, 1, 15), ["OZG"], "M"),
    (28, "Tablets für die Grundschulen",
     'Projekt "Schule digital": 400 Geräte, verwaltet über ein MDM', "Schulen & Sport",
     "Lukas Braun", "Erledigt", "high", date(2026, 8, 31), ["DigitalPakt"], "L"),
    (30, "Digitaler Bauantrag",
     "Bauanträge über das Portal des Landes, Beteiligung der Fachämter digital", "Bauamt",
     "Jörg Großmann", "In Umsetzung", "urgent", date(2027, 4, 30), ["OZG", "XBau"], "XL"),
    (31, "Baulückenkataster im Geoportal", "Freie Grundstücke auf der Karte zeigen", "Bauamt",
     "Jörg Großmann", "Ideenspeicher", "low", None, ["Geodaten"], "M"),
    (32, "Straßenaufbrüche koordinieren",
     "Baustellen von Versorgern und Stadt in einer Karte abstimmen", "Bauamt", "",
     "Priorisiert", "normal", date(2027, 9, 30), ["Geodaten", "Verkehr"], "L"),
    (34, "Elektronische Personalakte", "Personalakten scannen und im DMS führen", "Hauptamt",
     "Grete Fuß", "Priorisiert", "high", date(2027, 12, 31), ["E-Akte"], "XL"),
    (35, "Ratsinformationssystem für alle Ausschüsse",
     "Sitzungsunterlagen digital; Tablets für die Ratsmitglieder", "Hauptamt", "Grete Fuß",
     "Erledigt", "normal", date(2026, 9, 15), ["Gremien"], "M"),
]
# fmt: on
TITLES = sorted(measure[1] for measure in EXPECTED)


@pytest.fixture
def kommune(session: Session) -> dict[str, Any]:
    """A board and the departments and lotsen the sample lists name, by short code."""
    board = make_board(session, name="Maßnahmen 2026")
    found: dict[str, Any] = {"board": board, **make_kommune(session)}
    session.commit()
    return found


def measures(session: Session, board_id: int) -> list[tuple[Any, ...]]:
    """Every card of the board as in EXPECTED (without the row), sorted by title."""
    session.expire_all()
    departments = {d.id: d.name for d in session.exec(select(Department))}
    lotsen = {lotse.id: lotse.name for lotse in session.exec(select(Lotse))}
    phases = {p.id: p.name for p in session.exec(select(Phase).where(Phase.board_id == board_id))}
    return sorted(
        (
            card.title,
            card.description,
            departments.get(card.department_id, ""),
            lotsen.get(card.lotse_id, ""),
            phases[card.phase_id],
            card.priority,
            card.due_date,
            card.tags,
            card.size,
        )
        for card in session.exec(select(Card).where(Card.board_id == board_id))
    )


def sheet(name: str) -> reading.Sheet:
    return reading.read((DATA / name).read_bytes(), name)


def run(session: Session, kommune: dict[str, Any], name: str, **options: Any) -> imports.Report:
    table = sheet(name)
    return imports.run(
        session,
        board=kommune["board"],
        sheet=table,
        mapping=options.pop("columns", None) or mapping.guess(table.header),
        create_missing=options.pop("create_missing", True),
        dry_run=options.pop("dry_run", False),
        actor="Dana Weber",
        filename=name,
    )


def outcomes(report: imports.Report) -> list[tuple[int, str, str, str]]:
    return [(o.row, o.title, o.action, o.reason) for o in report.outcomes]


@pytest.mark.parametrize("name", SAMPLES)
def test_a_sample_file_imports_every_field_and_the_dry_run_said_so(
    session: Session, db: Database, kommune: dict[str, Any], name: str
) -> None:
    table = sheet(name)
    # The title rows above the header and the empty lines between the blocks are left out.
    assert table.header == [
        "Nr.",
        "Maßnahme",
        "Beschreibung",
        "Fachbereich",
        "Verantwortlich",
        "Status",
        "Priorität",
        "Fällig am",
        "Schlagworte",
        "Größe",
    ]
    assert [number for number, _ in table.rows] == [measure[0] for measure in EXPECTED]
    # "Nr." is the list's own running number, not the board's: not taken for one.
    assert mapping.guess(table.header) == {
        1: "title",
        2: "description",
        3: "department",
        4: "lotse",
        5: "phase",
        6: "priority",
        7: "due_date",
        8: "tags",
        9: "size",
    }
    before = dump(db)
    trial = run(session, kommune, name, dry_run=True, create_missing=False)
    assert dump(db) == before
    # Every name in the list is known: nothing to create, nothing refused.
    assert trial.missing == {"department": [], "lotse": [], "phase": []}
    real = run(session, kommune, name, create_missing=False)
    assert real.applied and not trial.applied
    assert (
        outcomes(real)
        == outcomes(trial)
        == [(measure[0], measure[1], "create", "") for measure in EXPECTED]
    )
    assert measures(session, kommune["board"].id) == sorted(measure[1:] for measure in EXPECTED)
    imported = session.exec(select(Event).where(Event.type == "board.imported")).all()
    assert [(e.payload["created"], e.payload["updated"]) for e in imported] == [(25, 0)]


def members(xlsx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return {item.filename: archive.read(item) for item in archive.infolist()}


def test_the_sample_files_are_as_excel_writes_them_and_as_the_generator_makes_them() -> None:
    spec = importlib.util.spec_from_file_location("make_samples", DATA / "make_samples.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    xlsx = (DATA / "massnahmen.xlsx").read_bytes()
    csv_bytes = (DATA / "massnahmen-excel.csv").read_bytes()
    # The files in the repository are what the script makes (member by member: another zlib
    # may compress the same bytes differently).
    assert members(generator.xlsx()) == members(xlsx)
    assert generator.german_csv() == csv_bytes
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        assert "xl/sharedStrings.xml" in archive.namelist()
        assert b'<c r="B5" t="s">' in archive.read("xl/worksheets/sheet1.xml")
    book = load_workbook(io.BytesIO(xlsx))
    cells = book.worksheets[0]
    assert {str(merged) for merged in cells.merged_cells.ranges} == {"A1:J1", "A2:J2"}
    due = cells["H5"]
    assert (due.value, due.number_format) == (datetime(2027, 3, 31), "DD.MM.YYYY")
    # Windows-1252 (not UTF-8), CRLF between records, a line break only inside a quoted cell.
    with pytest.raises(UnicodeDecodeError):
        csv_bytes.decode("utf-8")
    text = csv_bytes.decode("cp1252")
    assert text.startswith("Digitalisierungsmaßnahmen der Stadt Musterstadt;;;;;;;;;\r\n")
    assert "\r\n;;;;;;;;;\r\n" in text and text.endswith("\r\n")
    assert ';"Anträge digital bearbeiten; Papierakte ablösen";' in text
    assert ';"Passfotos direkt im Bürgerbüro aufnehmen (""Speed Capture"")";' in text
    assert ';"Gutscheine für Mittagessen und Ausflüge digital ausgeben.\nAbrechnung' in text
    assert text.count("\n") == text.count("\r\n") + 1


@pytest.mark.parametrize("name", SAMPLES)
def test_importing_the_same_file_again_changes_nothing(
    session: Session, db: Database, kommune: dict[str, Any], name: str
) -> None:
    run(session, kommune, name)
    before = dump(db)
    again = run(session, kommune, name)
    assert [o.action for o in again.outcomes] == ["unchanged"] * 25
    after = dump(db)
    # Only the import itself is logged.
    assert {k: v for k, v in after.items() if k not in ("event", "board")} == {
        k: v for k, v in before.items() if k not in ("event", "board")
    }
    assert len(after["event"]) == len(before["event"]) + 1


def test_an_unknown_lotse_refuses_the_whole_import_naming_the_rows(
    session: Session, db: Database, kommune: dict[str, Any]
) -> None:
    # The list as a colleague typed it: one name misspelt in every row of its block.
    text = (DATA / "massnahmen-excel.csv").read_bytes().decode("cp1252")
    assert text.count(";Markus Schulz;") == 3
    typed = text.replace(";Markus Schulz;", ";Markus Schultz;").encode("cp1252")
    table = reading.read(typed, "massnahmen-excel.csv")
    before = dump(db)
    report = attempt(session, kommune, table)
    assert not report.applied
    assert [(o.row, o.reason) for o in report.refused] == [
        (row, "unbekannter Lotse „Markus Schultz“") for row in (15, 16, 17)
    ]
    assert report.missing == {"department": [], "lotse": ["Markus Schultz"], "phase": []}
    assert dump(db) == before


def attempt(
    session: Session, kommune: dict[str, Any], table: reading.Sheet, **options: Any
) -> imports.Report:
    """Import a sheet with the guessed columns (nothing created, for real unless told)."""
    return imports.run(
        session,
        board=kommune["board"],
        sheet=table,
        mapping=mapping.guess(table.header),
        create_missing=options.get("create", False),
        dry_run=options.get("dry_run", False),
        actor="T",
    )


def _csv(*lines: str) -> reading.Sheet:
    return reading.read(("\r\n".join(lines) + "\r\n").encode("cp1252"), "liste.csv")


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (["Titel;Fällig", "Bauantrag;morgen"], "„morgen“ ist kein Datum (TT.MM.JJJJ)"),
        (["Titel;Priorität", "Bauantrag;egal"], "unbekannte Priorität „egal“"),
        (["Titel;Größe", "Bauantrag;XXL"], "unbekannte Größe „XXL“ (S, M, L oder XL)"),
        (
            ["Titel;Nummer", "Bauantrag;99999"],
            "auf diesem Board gibt es keine Maßnahme Nummer 99999",
        ),
        (["Titel;Beschreibung", ";ohne Titel"], "der Titel ist leer"),
        (["Titel;Beschreibung", "A;x", "a;y"], "der gleiche Titel steht schon in Zeile 2"),
        (["Titel;Beschreibung", "T" * 201 + ";x"], "Titel:"),
    ],
)
def test_a_bad_row_is_refused_with_its_number_and_reason_and_nothing_changes(
    session: Session, db: Database, kommune: dict[str, Any], lines: list[str], reason: str
) -> None:
    before = dump(db)
    report = attempt(session, kommune, _csv(*lines))
    assert report.refused and reason in report.refused[0].reason
    assert report.refused[0].row == len(lines)
    assert dump(db) == before


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (200 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (_zip_bomb(), "bombe.xlsx", "the Excel file unpacks to too much data"),
        (b"PK\x03\x04 kaputt", "kaputt.xlsx", "not an Excel file (XLSX) that can be read"),
        (bytes(range(256)) * 10, "binaer.csv", "not a text file (CSV)"),
        (b"nur eine Spalte\r\neins\r\n", "eine.csv", "no header row found"),
        (("Titel;B\r\n" + "x;y\r\n" * 5001).encode(), "lang.csv", "more than 5000 rows"),
        (("Titel;B\r\nx;" + "y" * 20_001 + "\r\n").encode(), "zelle.csv", "longer than 20000"),
    ],
)
def test_a_hostile_file_is_refused_before_anything_happens(
    content: bytes, name: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        reading.read(content, name)
    assert reason in refused.value.template % refused.value.values


def test_a_mapping_without_a_title_is_refused(session: Session, kommune: dict[str, Any]) -> None:
    table = sheet("massnahmen-excel.csv")
    with pytest.raises(InvalidInput):
        imports.run(
            session,
            board=kommune["board"],
            sheet=table,
            mapping={2: "description"},
            create_missing=False,
            dry_run=True,
            actor="T",
        )
    assert mapping.parse("Maßnahme=title, 3=description", table.header) == {
        1: "title",
        2: "description",
    }
    with pytest.raises(InvalidInput) as unknown:
        mapping.parse("Maßnahme=gehalt", table.header)
    assert unknown.value.field == "mapping" and unknown.value.values["name"] == "gehalt"


def test_export_then_import_updates_by_number(
    session: Session, db: Database, kommune: dict[str, Any]
) -> None:
    run(session, kommune, "massnahmen.xlsx")
    card = session.exec(select(Card).where(col(Card.title) == "Mängelmelder")).one()
    table = _csv("Nummer;Titel;Priorität", f"{card.id};Mängelmelder (Ordnungsamt);niedrig")
    report = attempt(session, kommune, table)
    assert [(o.action, sorted(o.changed)) for o in report.outcomes] == [
        ("update", ["priority", "title"])
    ]
    session.refresh(card)
    assert (card.title, card.priority) == ("Mängelmelder (Ordnungsamt)", "low")


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_a_board_exported_and_imported_again_is_unchanged(
    session: Session, db: Database, kommune: dict[str, Any], extension: str
) -> None:
    run(session, kommune, "massnahmen.xlsx")
    board = kommune["board"]
    table = export.board_table(session, board=board, filters=CardFilter())
    content = downloads.to_csv(table) if extension == "csv" else downloads.to_xlsx(table)
    again = reading.read(content, f"export.{extension}")
    columns = mapping.guess(again.header)
    assert set(columns.values()) == {
        "key",
        "title",
        "description",
        "department",
        "lotse",
        "phase",
        "priority",
        "due_date",
        "tags",
        "size",
    }
    before = dump(db)
    report = imports.run(
        session,
        board=board,
        sheet=again,
        mapping=columns,
        create_missing=False,
        dry_run=False,
        actor="T",
    )
    assert [o.action for o in report.outcomes] == ["unchanged"] * 25, outcomes(report)
    after = dump(db)
    assert {k: v for k, v in after.items() if k not in ("event", "board")} == {
        k: v for k, v in before.items() if k not in ("event", "board")
    }


def test_empty_lines_and_commas_do_not_cut_or_split_a_list() -> None:
    lines = ["Titel;Beschreibung"]
    for number in range(4000):
        lines += [f"Maßnahme {number};eins, zwei, drei, vier", ""]
    table = reading.read("\r\n".join(lines).encode("utf-8"), "lang.csv")
    assert len(table.rows) == 4000
    assert table.rows[-1][1] == ["Maßnahme 3999", "eins, zwei, drei, vier"]


def test_odd_numbers_new_codes_old_lotsen_and_every_unknown_name(
    session: Session, db: Database, kommune: dict[str, Any]
) -> None:
    def tried(*lines: str, create: bool = False) -> imports.Report:
        return attempt(session, kommune, _csv(*lines), create=create, dry_run=True)

    odd = tried("Titel;Nummer", "A;²", "B;" + "9" * 50)
    assert [o.reason for o in odd.refused] == [
        "auf diesem Board gibt es keine Maßnahme Nummer ²",
        "auf diesem Board gibt es keine Maßnahme Nummer " + "9" * 50,
    ]
    every = tried("Titel;Fachbereich;Lotse;Phase", "A;Bauhof;Berta Bau;Prüfung")
    assert every.refused[0].reason == (
        "unbekannter Fachbereich „Bauhof“; unbekannter Lotse „Berta Bau“; "
        "unbekannte Phase „Prüfung“"
    )
    codes = tried("Titel;Fachbereich", "A;Bauhof", "B;Bauordnung", "C;Umbau", create=True)
    assert codes.refused == [] and codes.missing["department"] == ["Bauhof", "Bauordnung", "Umbau"]
    # A deactivated lotse still owns her measures: an import naming her finds her.
    olga = session.exec(select(Lotse).where(Lotse.name == "Olga Petrová")).one()
    run(session, kommune, "massnahmen.xlsx")
    olga.active = False
    session.add(olga)
    session.commit()
    again = run(session, kommune, "massnahmen.xlsx", dry_run=True)
    assert [o.action for o in again.outcomes] == ["unchanged"] * 25


def _written(rows: list[list[str]], delimiter: str) -> bytes:
    """A list as a spreadsheet saves it with this separator (UTF-8, quoted where needed)."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


LIST = [
    ["Maßnahmen 2026", "", "", "", "", "", "", "", ""],
    [
        "Titel",
        "Beschreibung",
        "Fachbereich",
        "Lotse",
        "Phase",
        "Priorität",
        "Fällig",
        "Tags",
        "Größe",
    ],
    [
        "Mängelmelder",
        "Schäden melden, mit Foto; und Ort",
        "Ordnungsamt",
        "Claudia Neumann",
        "Priorisiert",
        "hoch",
        "20.12.2026",
        "App, Bürgerservice",
        "M",
    ],
    ["Fundbüro online", "Fundsachen suchen, melden", "Bürgeramt", "", "", "", "", "", "S"],
    ["", "", "", "", "", "", "", "", ""],
    ["Hundesteuer online", "", "Kämmerei", "Markus Schulz", "Erledigt", "niedrig", "", "", ""],
]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_a_comma_tab_or_semicolon_list_puts_every_field_in_its_column(
    session: Session, db: Database, kommune: dict[str, Any], delimiter: str
) -> None:
    content = _written(LIST, delimiter)
    # Cells holding the other separators are quoted only where they hold this one.
    assert (b'"App, B' in content) == (delimiter == ",")
    table = reading.read(content, "liste.csv")
    assert table.header == LIST[1]
    assert table.rows == [(3, LIST[2]), (4, LIST[3]), (6, LIST[5])]
    report = attempt(session, kommune, table)
    assert [(o.row, o.action) for o in report.outcomes] == [
        (3, "create"),
        (4, "create"),
        (6, "create"),
    ]
    assert measures(session, kommune["board"].id) == [
        ("Fundbüro online", "Fundsachen suchen, melden", "Bürgeramt", "", "Ideenspeicher",
         "normal", None, [], "S"),
        ("Hundesteuer online", "", "Kämmerei", "Markus Schulz", "Erledigt", "low", None, [], None),
        ("Mängelmelder", "Schäden melden, mit Foto; und Ort", "Ordnungsamt", "Claudia Neumann",
         "Priorisiert", "high", date(2026, 12, 20), ["App", "Bürgerservice"], "M"),
    ]  # fmt: skip


def test_a_semicolon_list_with_a_comma_in_every_cell_stays_a_semicolon_list() -> None:
    rows = ["Titel;Beschreibung;Schlagworte"]
    rows += [f"Maßnahme {n}, Teil {n};eins, zwei;a, b" for n in range(10)]
    table = reading.read("\r\n".join(rows).encode("cp1252"), "liste.csv")
    assert table.header == ["Titel", "Beschreibung", "Schlagworte"]
    assert table.rows[0] == (2, ["Maßnahme 0, Teil 0", "eins, zwei", "a, b"])
    assert len(table.rows) == 10


def test_departments_lotsen_and_phases_are_found_however_they_are_written(
    session: Session, db: Database, kommune: dict[str, Any]
) -> None:
    table = _csv(
        "Titel;Fachbereich;Lotse;Phase",
        "A;SO;olga.petrova@musterstadt.de;in umsetzung",
        "B;SOZIALAMT;OLGA PETROVÁ;PRIORISIERT",
        "C;Kaemmerei;markus schulz;erledigt",
        "D;kämmerei;Markus.Schulz@Musterstadt.de;IDEENSPEICHER",
        "E;bü;Juergen Weiss;Ideenspeicher",
        "F;Buergeramt;jürgen weiß;Erledigt",
        "G;bauamt;Joerg Grossmann;Priorisiert",
        "H;Schulen & Sport;Olga Petrova;In Umsetzung",
    )
    report = attempt(session, kommune, table)
    assert report.refused == [] and report.applied
    assert report.missing == {"department": [], "lotse": [], "phase": []}
    found = [row[:5] for row in measures(session, kommune["board"].id)]
    assert found == [
        ("A", "", "Sozialamt", "Olga Petrová", "In Umsetzung"),
        ("B", "", "Sozialamt", "Olga Petrová", "Priorisiert"),
        ("C", "", "Kämmerei", "Markus Schulz", "Erledigt"),
        ("D", "", "Kämmerei", "Markus Schulz", "Ideenspeicher"),
        ("E", "", "Bürgeramt", "Jürgen Weiß", "Ideenspeicher"),
        ("F", "", "Bürgeramt", "Jürgen Weiß", "Erledigt"),
        ("G", "", "Bauamt", "Jörg Großmann", "Priorisiert"),
        ("H", "", "Schulen & Sport", "Olga Petrová", "In Umsetzung"),
    ]


def test_two_lotsen_of_the_same_name_refuse_the_row_and_nothing_changes(
    session: Session, db: Database, kommune: dict[str, Any]
) -> None:
    make_lotse(
        session,
        name="Olga Petrová",
        email="o.petrova@musterstadt.de",
        department_id=kommune["BÜ"].id,
    )
    table = _csv(
        "Titel;Fachbereich;Lotse",
        "E-Akte Wohngeld;Sozialamt;olga.petrova@musterstadt.de",
        "Fundbüro online;Bürgeramt;Olga Petrová",
        "Mängelmelder;Ordnungsamt;Claudia Neumann",
    )
    before = dump(db)
    report = attempt(session, kommune, table)
    assert not report.applied
    # By her address she is one; by her name she is two.
    assert [(o.row, o.action, o.reason) for o in report.outcomes] == [
        (2, "create", ""),
        (3, "refused", "mehrere Lotsen heißen „Olga Petrová“"),
        (4, "create", ""),
    ]
    assert dump(db) == before


@pytest.mark.parametrize(
    ("header", "fields"),
    [
        (
            ["Vorhaben", "Erläuterung", "Abteilung", "Verantwortlich", "Status", "Prio",
             "Termin", "Stichworte", "Aufwand"],
            ["title", "description", "department", "lotse", "phase", "priority", "due_date",
             "tags", "size"],
        ),
        (
            ["Maßnahme", "Bemerkung", "Amt", "Zuständig", "Stand", "Dringlichkeit", "Frist",
             "Schlagwort", "Größe"],
            ["title", "description", "department", "lotse", "phase", "priority", "due_date",
             "tags", "size"],
        ),
        (
            ["Title", "Description", "Department", "Owner", "Phase", "Priority", "Due date",
             "Tags", "Size"],
            ["title", "description", "department", "lotse", "phase", "priority", "due_date",
             "tags", "size"],
        ),
        (
            ["MEASURE", "description", "DEPARTMENT", "owner", "Status", "priority", "Deadline",
             "TAGS", "size"],
            ["title", "description", "department", "lotse", "phase", "priority", "due_date",
             "tags", "size"],
        ),
        (
            ["ID", "Titel", "Bezeichnung", "Fachbereich", "Lotsin", "Spalte", "Priorität",
             "Fällig", "Notiz", "Kosten"],
            ["", "title", "", "department", "lotse", "phase", "priority", "due_date",
             "description", ""],
        ),
    ],
)  # fmt: skip
def test_german_and_english_headers_are_guessed_to_their_fields(
    header: list[str], fields: list[str]
) -> None:
    expected = {index: field for index, field in enumerate(fields) if field}
    assert mapping.guess(header) == expected


def changed_list() -> bytes:
    """The sample CSV a few weeks on: four measures changed in five fields, one added."""
    text = (DATA / "massnahmen-excel.csv").read_bytes().decode("cp1252")
    changes = [
        ("31.03.2027;E-Akte, OZG;L", "30.04.2027;E-Akte;L"),
        ("Bürgeramt;;;niedrig;;Bürgerservice;S", "Bürgeramt;Jürgen Weiß;;niedrig;;Bürgerservice;M"),
        ("An- und Abmeldung über das Portal", "An-, Um- und Abmeldung über das Portal"),
        ("Claudia Neumann;Priorisiert;dringend", "Claudia Neumann;In Umsetzung;hoch"),
    ]
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    text += "26;Digitale Ratssitzung;;Hauptamt;Grete Fuß;;;;;\r\n"
    return text.encode("cp1252")


def test_the_dry_run_lists_the_same_updates_field_by_field_as_the_import_then_makes(
    session: Session, db: Database, kommune: dict[str, Any]
) -> None:
    run(session, kommune, "massnahmen.xlsx", create_missing=False)
    table = reading.read(changed_list(), "massnahmen-excel.csv")
    before = dump(db)
    trial = attempt(session, kommune, table, dry_run=True)
    assert dump(db) == before
    real = attempt(session, kommune, table)
    assert real.applied and not trial.applied

    def said(report: imports.Report) -> list[tuple[Any, ...]]:
        return [(o.row, o.title, o.action, o.reason, o.changed) for o in report.outcomes]

    assert said(real) == said(trial)
    assert texts.lines(real) == texts.lines(trial)
    assert [(o.row, o.action, o.changed) for o in real.outcomes if o.action != "unchanged"] == [
        (5, "update", ["due_date", "tags"]),
        (13, "update", ["lotse_id", "size"]),
        (15, "update", ["description"]),
        (20, "update", ["priority", "phase"]),
        (36, "create", []),
    ]
    assert real.count("unchanged") == 21
    assert (
        texts.summary(real, dry_run=False) == "Importiert: 1 neu, 4 aktualisiert, 21 unverändert."
    )
    assert texts.summary(trial, dry_run=True) == (
        "Probelauf: 1 neu, 4 aktualisiert, 21 unverändert. Nichts wurde geändert."
    )
    assert texts.lines(real)[:4] == [
        "Zeile 5: aktualisiert (Fällig am, Schlagworte) – E-Akte Wohngeld",
        "Zeile 13: aktualisiert (Lotse, Größe) – Fundbüro online",
        "Zeile 15: aktualisiert (Beschreibung) – Hundesteuer online",
        "Zeile 20: aktualisiert (Priorität, Phase) – Mängelmelder",
    ]
    board = {row[0]: row for row in measures(session, kommune["board"].id)}
    assert board["E-Akte Wohngeld"][6:8] == (date(2027, 4, 30), ["E-Akte"])
    assert (board["Fundbüro online"][3], board["Fundbüro online"][8]) == ("Jürgen Weiß", "M")
    assert board["Hundesteuer online"][1] == "An-, Um- und Abmeldung über das Portal"
    assert board["Mängelmelder"][4:6] == ("In Umsetzung", "high")
    assert board["Digitale Ratssitzung"][2:4] == ("Hauptamt", "Grete Fuß")
    assert len(board) == 26
