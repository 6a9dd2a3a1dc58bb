"""Measures from the CDO's spreadsheet: the sample files as a German Excel writes them import
with every field; the dry run is the real run; a second import changes nothing; and every
refused file or row leaves the database as it was."""

import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.cards import export
from app.cards.models import Card, CardFilter
from app.db import Database
from app.errors import InvalidInput
from app.events.models import Event
from app.imports import mapping, reading
from app.imports import service as imports
from app.people.models import Lotse
from app.web import downloads
from tests.factories import make_board, make_department, make_lotse
from tests.helpers import dump

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLES = ["massnahmen.xlsx", "massnahmen-excel.csv"]


@pytest.fixture
def kommune(session: Session) -> dict[str, Any]:
    board = make_board(session, name="Maßnahmen 2026")
    found = {"board": board}
    for name, code, lotse in [
        ("Sozialamt", "SO", "Olga Petrová"),
        ("Schulen & Sport", "SCH", "Lukas Braun"),
        ("Ordnungsamt", "OA", "Claudia Neumann"),
        ("Kämmerei", "KÄ", None),
    ]:
        department = make_department(session, name=name, code=code)
        found[code] = department
        if lotse:
            make_lotse(session, name=lotse, department_id=department.id)
    session.commit()
    return found


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
    # The title rows above the header and the empty line are left out.
    assert table.header[:3] == ["Nr.", "Maßnahme", "Beschreibung"]
    assert [number for number, _ in table.rows] == [5, 6, 8, 9]
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
    trial = run(session, kommune, name, dry_run=True)
    assert dump(db) == before
    assert trial.missing == {"department": [], "lotse": ["Markus Schulz"], "phase": []}
    real = run(session, kommune, name)
    assert real.applied and not trial.applied
    assert (
        outcomes(real)
        == outcomes(trial)
        == [
            (5, "E-Akte Wohngeld", "create", ""),
            (6, "Online-Buchung Sporthallen", "create", ""),
            (8, "Mängelmelder", "create", ""),
            (9, "Hundesteuer online", "create", ""),
        ]
    )
    session.expire_all()
    made = {
        c.title: c for c in session.exec(select(Card).where(Card.board_id == kommune["board"].id))
    }
    lotsen = {lotse.id: lotse.name for lotse in session.exec(select(Lotse))}
    akte = made["E-Akte Wohngeld"]
    assert akte.description == "Anträge digital bearbeiten; Papierakte ablösen"
    assert (akte.department_id, lotsen[akte.lotse_id]) == (kommune["SO"].id, "Olga Petrová")
    assert (akte.priority, akte.due_date, akte.size, akte.tags) == (
        "high",
        date(2027, 3, 31),
        "L",
        ["E-Akte", "OZG"],
    )
    halle = made["Online-Buchung Sporthallen"]
    assert (halle.department_id, halle.due_date, halle.priority) == (
        kommune["SCH"].id,
        None,
        "normal",
    )
    melder = made["Mängelmelder"]
    assert (melder.priority, melder.tags, melder.due_date) == (
        "urgent",
        ["App", "Bürgerservice"],
        date(2026, 12, 20),
    )
    hunde = made["Hundesteuer online"]
    # Text, not a formula: kept as written.
    assert hunde.description == "=An- und Abmeldung über das Portal"
    assert lotsen[hunde.lotse_id] == "Markus Schulz"
    assert hunde.department_id == kommune["KÄ"].id
    phases = {card.title: card.phase_id for card in made.values()}
    assert len(set(phases.values())) == 4
    imported = session.exec(select(Event).where(Event.type == "board.imported")).all()
    assert [(e.payload["created"], e.payload["updated"]) for e in imported] == [(4, 0)]


@pytest.mark.parametrize("name", SAMPLES)
def test_importing_the_same_file_again_changes_nothing(
    session: Session, db: Database, kommune: dict[str, Any], name: str
) -> None:
    run(session, kommune, name)
    before = dump(db)
    again = run(session, kommune, name)
    assert [o.action for o in again.outcomes] == ["unchanged"] * 4
    after = dump(db)
    # Only the import itself is logged.
    assert {k: v for k, v in after.items() if k not in ("event", "board")} == {
        k: v for k, v in before.items() if k not in ("event", "board")
    }
    assert len(after["event"]) == len(before["event"]) + 1


def test_an_unknown_lotse_refuses_the_whole_import_naming_the_row(
    session: Session, db: Database, kommune: dict[str, Any]
) -> None:
    before = dump(db)
    report = run(session, kommune, "massnahmen-excel.csv", create_missing=False)
    assert not report.applied
    assert [(o.row, o.reason) for o in report.refused] == [(9, "unbekannter Lotse „Markus Schulz“")]
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
    with pytest.raises(ValueError):
        mapping.parse("Maßnahme=gehalt", table.header)


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
    assert [o.action for o in report.outcomes] == ["unchanged"] * 4, outcomes(report)
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
    codes = tried("Titel;Fachbereich", "A;Bauamt", "B;Bauordnung", "C;Umbau", create=True)
    assert codes.refused == [] and codes.missing["department"] == ["Bauamt", "Bauordnung", "Umbau"]
    # A deactivated lotse still owns her measures: an import naming her finds her.
    olga = session.exec(select(Lotse).where(Lotse.name == "Olga Petrová")).one()
    run(session, kommune, "massnahmen.xlsx")
    olga.active = False
    session.add(olga)
    session.commit()
    again = run(session, kommune, "massnahmen.xlsx", dry_run=True)
    assert [o.action for o in again.outcomes] == ["unchanged"] * 4
