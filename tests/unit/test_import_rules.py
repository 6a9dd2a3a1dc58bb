"""The import's rules beyond the sample files: rows told apart by number when measures share a
title, yes/no columns for done and archived measures, formulas and foreign encodings refused
with the place and the way out, Excel's "Unicode text"."""

import io
from typing import Any

import pytest
from openpyxl import Workbook
from sqlmodel import Session, select

from app.cards import export
from app.cards import service as cards
from app.cards.models import Card, CardCreate, CardFilter
from app.cards.texts import error_message
from app.db import Database
from app.errors import InvalidInput
from app.imports import mapping, reading, texts
from app.imports import service as imports
from app.web import downloads
from tests.factories import make_board, make_department, phases_of
from tests.helpers import dump, xlsx

NOT_TEXT = (
    "Datei: die Datei ist weder UTF-8- noch Windows-1252-Text – in Excel als "
    "„CSV UTF-8 (durch Trennzeichen getrennt)“ speichern"
)


@pytest.fixture
def board(session: Session) -> Any:
    made = make_board(session, name="Maßnahmen 2027")
    make_department(session, name="Sozialamt", code="SO")
    session.commit()
    return made


def csv_sheet(*lines: str, encoding: str = "cp1252") -> reading.Sheet:
    return reading.read(("\r\n".join(lines) + "\r\n").encode(encoding), "liste.csv")


def attempt(session: Session, board: Any, table: reading.Sheet, **options: Any) -> imports.Report:
    return imports.run(
        session,
        board=board,
        sheet=table,
        mapping=options.pop("columns", None) or mapping.guess(table.header),
        create_missing=False,
        dry_run=options.pop("dry_run", False),
        actor="Dana Weber",
    )


def on_board(session: Session, board: Any) -> dict[str, Card]:
    session.expire_all()
    return {c.title: c for c in session.exec(select(Card).where(Card.board_id == board.id))}


def refusal(content: bytes, name: str) -> str:
    with pytest.raises(InvalidInput) as refused:
        reading.read(content, name)
    return error_message(refused.value)


# --- measures that share a title -------------------------------------------------------------


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_a_board_whose_measures_share_a_title_exports_and_imports_again(
    session: Session, db: Database, board: Any, extension: str
) -> None:
    first = phases_of(session, board)[0]
    for text in ("für das Jugendamt", "für das Sozialamt"):
        cards.create_card(
            session,
            board_id=board.id,
            data=CardCreate(title="Online-Antrag", description=text, phase_id=first.id),
            actor="T",
        )
    session.commit()
    table = export.board_table(session, board=board, filters=CardFilter())
    content = downloads.to_csv(table) if extension == "csv" else downloads.to_xlsx(table)
    again = reading.read(content, f"export.{extension}")
    before = dump(db)
    report = attempt(session, board, again)
    assert [o.action for o in report.outcomes] == ["unchanged", "unchanged"]
    after = dump(db)
    # Only the import itself is logged (and counted on the board).
    assert [row[3] for row in after.pop("event")[len(before["event"]) :]] == ["board.imported"]
    assert {name: rows for name, rows in after.items() if name != "board"} == {
        name: rows for name, rows in before.items() if name not in ("board", "event")
    }


def test_rows_with_numbers_update_their_own_measure_and_a_number_twice_is_refused(
    session: Session, db: Database, board: Any
) -> None:
    first = phases_of(session, board)[0]
    one, two = (
        cards.create_card(
            session,
            board_id=board.id,
            data=CardCreate(title="Online-Antrag", phase_id=first.id),
            actor="T",
        )
        for _ in range(2)
    )
    session.commit()
    report = attempt(
        session,
        board,
        csv_sheet(
            "Nummer;Titel;Priorität", f"{one.id};Online-Antrag;hoch", f"{two.id};Online-Antrag;"
        ),
    )
    assert [(o.card_id, o.action, o.changed) for o in report.outcomes] == [
        (one.id, "update", ["priority"]),
        (two.id, "unchanged", []),
    ]
    session.refresh(one)
    session.refresh(two)
    assert (one.priority, two.priority) == ("high", "normal")
    before = dump(db)
    # The same measure twice, by number written two ways: only the last row would stay.
    twice = attempt(
        session,
        board,
        csv_sheet("Nummer;Titel", f"{one.id};Online-Antrag", f"0{one.id};Online-Antrag (neu)"),
    )
    assert [(o.row, o.reason) for o in twice.refused] == [
        (3, "Zeile 2 ändert diese Maßnahme schon")
    ]
    assert dump(db) == before


def test_an_archived_measure_comes_back_and_moves_in_one_row(
    session: Session, db: Database, board: Any
) -> None:
    attempt(session, board, csv_sheet("Titel;Archiviert", "Bauantrag;ja"))
    report = attempt(session, board, csv_sheet("Titel;Archiviert;Erledigt", "Bauantrag;nein;ja"))
    assert [(o.action, o.changed, o.reason) for o in report.outcomes] == [
        ("update", ["phase", "archived"], "")
    ]
    assert texts.lines(report) == ["Zeile 2: aktualisiert (Phase, Archiviert) – Bauantrag"]
    card = on_board(session, board)["Bauantrag"]
    phases = {phase.id: phase.name for phase in phases_of(session, board)}
    assert (phases[card.phase_id], card.archived) == ("Erledigt", False)
    # And goes off the board again after a move.
    again = attempt(session, board, csv_sheet("Titel;Phase;Archiviert", "Bauantrag;Priorisiert;x"))
    assert [(o.action, o.changed) for o in again.outcomes] == [("update", ["phase", "archived"])]
    card = on_board(session, board)["Bauantrag"]
    assert (phases[card.phase_id], card.archived) == ("Priorisiert", True)


# --- yes/no columns ---------------------------------------------------------------------------


def test_done_and_archived_columns_take_ja_nein_and_x(
    session: Session, db: Database, board: Any
) -> None:
    table = csv_sheet(
        "Maßnahme;Erledigt;Archiviert",
        "E-Akte Wohngeld;ja;nein",
        "Online-Buchung Sporthallen;;",
        "Mängelmelder;x;JA",
        "Hundesteuer online;nein;",
    )
    assert mapping.guess(table.header) == {0: "title", 1: "done", 2: "archived"}
    trial = attempt(session, board, table, dry_run=True)
    report = attempt(session, board, table)
    assert (
        [o.action for o in report.outcomes] == [o.action for o in trial.outcomes] == ["create"] * 4
    )
    phases = {phase.id: phase.name for phase in phases_of(session, board)}
    made = on_board(session, board)
    assert {title: (phases[c.phase_id], c.archived) for title, c in made.items()} == {
        "E-Akte Wohngeld": ("Erledigt", False),
        "Online-Buchung Sporthallen": ("Ideenspeicher", False),
        "Mängelmelder": ("Erledigt", True),
        "Hundesteuer online": ("Ideenspeicher", False),
    }
    # Again, with changes: archived no longer, done now; the rest as before.
    again = attempt(
        session,
        board,
        csv_sheet(
            "Maßnahme;Erledigt;Archiviert",
            "E-Akte Wohngeld;ja;nein",
            "Online-Buchung Sporthallen;wahr;",
            "Mängelmelder;x;nein",
            "Hundesteuer online;nein;",
        ),
    )
    assert [(o.title, o.action, o.changed) for o in again.outcomes] == [
        ("E-Akte Wohngeld", "unchanged", []),
        ("Online-Buchung Sporthallen", "update", ["phase"]),
        ("Mängelmelder", "update", ["archived"]),
        ("Hundesteuer online", "unchanged", []),
    ]
    made = on_board(session, board)
    assert phases[made["Online-Buchung Sporthallen"].phase_id] == "Erledigt"
    assert not made["Mängelmelder"].archived


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (
            ["Titel;Erledigt", "Bauantrag;vielleicht"],
            "„vielleicht“ ist weder ja (ja, x) noch nein (nein)",
        ),
        (
            ["Titel;Status;Erledigt", "Bauantrag;In Umsetzung;ja"],
            "Phase und Spalte „erledigt“ sagen Verschiedenes",
        ),
        (
            ["Titel;Status;Erledigt", "Bauantrag;Erledigt;nein"],
            "Phase und Spalte „erledigt“ sagen Verschiedenes",
        ),
        (["Titel;Archiviert", "Bauantrag;später"], "„später“ ist weder ja (ja, x) noch nein"),
    ],
)
def test_a_yes_no_value_that_is_neither_is_refused_and_nothing_changes(
    session: Session, db: Database, board: Any, lines: list[str], reason: str
) -> None:
    before = dump(db)
    report = attempt(session, board, csv_sheet(*lines))
    assert [o.row for o in report.refused] == [2]
    assert reason in report.refused[0].reason
    assert dump(db) == before


def test_a_done_measure_marked_not_done_asks_for_its_phase(
    session: Session, db: Database, board: Any
) -> None:
    attempt(session, board, csv_sheet("Titel;Erledigt", "Bauantrag;ja"))
    before = dump(db)
    report = attempt(session, board, csv_sheet("Titel;Erledigt", "Bauantrag;nein"))
    assert [o.reason for o in report.refused] == [
        "die Maßnahme ist auf dem Board erledigt; bitte die Phase angeben, in die sie zurückgeht"
    ]
    assert dump(db) == before
    back = attempt(session, board, csv_sheet("Titel;Erledigt;Phase", "Bauantrag;nein;Priorisiert"))
    assert [(o.action, o.changed) for o in back.outcomes] == [("update", ["phase"])]


# --- formulas ---------------------------------------------------------------------------------


def test_a_formula_in_an_imported_excel_column_refuses_its_row_naming_the_cell(
    session: Session, db: Database, board: Any
) -> None:
    content = xlsx(
        ["Maßnahme", "Fachbereich", "Fällig", "Lfd."],
        ["E-Akte", "SO", "31.03.2027", "=ZEILE()-1"],
        ["Mängelmelder", "SO", '=HYPERLINK("http://127.0.0.1/x","Klick")', "=ZEILE()-1"],
    )
    table = reading.read(content, "liste.xlsx")
    columns = {0: "title", 1: "department", 2: "due_date"}
    before = dump(db)
    report = attempt(session, board, table, columns=columns)
    assert [(o.row, o.reason) for o in report.refused] == [
        (
            3,
            "in Zelle C3 steht eine Formel; bitte die Liste als Werte einfügen (Kopieren, "
            "Inhalte einfügen → Werte) und erneut hochladen",
        )
    ]
    assert dump(db) == before
    # A running number computed in a column the import leaves out is no obstacle.
    helper_only = reading.read(xlsx(["Maßnahme", "Lfd."], ["E-Akte", "=ZEILE()-1"]), "l.xlsx")
    done = attempt(session, board, helper_only, columns={0: "title"})
    assert [o.action for o in done.outcomes] == ["create"]


def test_text_that_looks_like_a_formula_is_text_in_excel_and_with_an_apostrophe_in_csv() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Maßnahme", "Beschreibung"])
    sheet.append(["Portal", "=alles digital"])
    # As Excel keeps text typed with an apostrophe: a string, not a formula.
    sheet["B2"].data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    table = reading.read(buffer.getvalue(), "liste.xlsx")
    assert table.rows == [(2, ["Portal", "=alles digital"])]
    text = csv_sheet("Maßnahme;Beschreibung", "Portal;'=alles digital")
    assert text.rows == [(2, ["Portal", "=alles digital"])]


@pytest.mark.parametrize(
    "cell",
    [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://127.0.0.1/")',
        " =1+1",
        "+A1*2",
        "@SUMME(A1)",
        "-$B$2",
    ],
)
def test_a_csv_cell_a_spreadsheet_would_run_refuses_its_row(
    session: Session, db: Database, board: Any, cell: str
) -> None:
    before = dump(db)
    report = attempt(session, board, csv_sheet("Maßnahme;Beschreibung", f"Portal;{cell}"))
    assert [(o.row, o.reason) for o in report.refused] == [
        (2, "Zelle B2 beginnt wie eine Formel; ist es Text, bitte ein Apostroph davorsetzen ('=…)")
    ]
    assert dump(db) == before


@pytest.mark.parametrize(
    "cell", ["- Umsetzung in zwei Stufen", "+49 30 1234", "@Kämmerei bitte prüfen", "=", "-5"]
)
def test_text_that_only_begins_with_a_sign_is_text(session: Session, board: Any, cell: str) -> None:
    report = attempt(session, board, csv_sheet("Maßnahme;Beschreibung", f"Portal;{cell}"))
    assert [o.action for o in report.outcomes] == ["create"]
    assert on_board(session, board)["Portal"].description == cell.strip()


# --- encodings --------------------------------------------------------------------------------


def test_excels_unicode_text_is_read_as_utf16_with_tabs() -> None:
    text = "Maßnahme\tFachbereich\r\nBürgerbüro-Termine\tSozialamt\r\nŁódź-Partnerschaft\tSO\r\n"
    table = reading.read(b"\xff\xfe" + text.encode("utf-16-le"), "liste.txt")
    assert table.header == ["Maßnahme", "Fachbereich"]
    assert table.rows == [
        (2, ["Bürgerbüro-Termine", "Sozialamt"]),
        (3, ["Łódź-Partnerschaft", "SO"]),
    ]


@pytest.mark.parametrize("encoding", ["mac_roman", "cp850"])
def test_a_file_in_another_encoding_is_refused_not_read_garbled(encoding: str) -> None:
    content = "Maßnahme;Fachbereich\r\nGebührenbescheid;Kämmerei\r\nÜbergabe;Bürgeramt\r\n"
    assert refusal(content.encode(encoding), "liste.csv") == (NOT_TEXT)


def test_utf16_without_its_mark_is_refused_as_no_text_file() -> None:
    content = "Maßnahme;Fachbereich\r\nE-Akte;SO\r\n".encode("utf-16-le")
    assert refusal(content, "liste.csv") == "Datei: keine Textdatei (CSV)"


@pytest.mark.parametrize(
    "text",
    [
        "Maßnahme;Börse\r\nStraßenschäden melden;online\r\n",  # no ü: all 850 bytes decode
        "Maßnahme;Fachbereich\r\nGebührenbescheid;Kämmerei\r\n",
    ],
)
def test_a_dos_file_is_refused_whatever_umlauts_it_holds(text: str) -> None:
    assert refusal(text.encode("cp850"), "liste.csv") == (NOT_TEXT)


def test_windows_1252_signs_and_names_are_read() -> None:
    # Without a single umlaut: signs and names that begin with Š or Ž.
    text = "Titel;Notiz\r\nŽaneta Šimek;›Projekt‹ † Herr Meier, 5 ‰\r\n"
    assert reading.read(text.encode("cp1252"), "liste.csv").rows == [
        (2, ["Žaneta Šimek", "›Projekt‹ † Herr Meier, 5 ‰"])
    ]
    # A š or ž inside a name, in a list with umlauts and in one without any.
    for title in ("Gebühren online", "E-Akte"):
        text = f"Titel;Lotse\r\n{title};Dušan Ivanišek, Božena Novák\r\n"
        assert reading.read(text.encode("cp1252"), "liste.csv").rows == [
            (2, [title, "Dušan Ivanišek, Božena Novák"])
        ]


@pytest.mark.parametrize(
    "word",
    ["Kämmerei", "Gebühr", "Straße", "Größe", "Börse", "Lösung, mögliche Höhe", "möchte"],
)
def test_a_mac_roman_list_with_a_single_kind_of_umlaut_is_refused(word: str) -> None:
    content = f"Maßnahme;Notiz\r\nE-Akte;{word}\r\n".replace("Maß", "Mass")
    assert refusal(content.encode("mac_roman"), "liste.csv") == (NOT_TEXT)


@pytest.mark.parametrize(
    "names",
    [
        "Dušan Ivanišek",
        "Miloš Paškov, Daša Vrhovšek",
        "Tomaš Vršovsky, Iša Šrámek",
        "Mišcevic",  # Windows writes the ć of "Mišćević" as c
        "Pišcanec",
    ],
)
def test_names_with_s_caron_are_read_as_windows_1252(names: str) -> None:
    # No umlaut besides; Mac Roman would read each š as ö ("Dušan" as "Duöan").
    text = f"Titel;Lotse\r\nE-Akte;{names}\r\n"
    assert reading.read(text.encode("cp1252"), "liste.csv").rows == [(2, ["E-Akte", names])]


def test_umlauts_and_quotes_of_windows_1252_are_still_read() -> None:
    table = csv_sheet("Maßnahme;Beschreibung", "Gebühren;„Bürger“ zahlen online – sofort")
    assert table.rows == [(2, ["Gebühren", "„Bürger“ zahlen online – sofort"])]


def test_the_report_names_refused_rows_first(session: Session, board: Any) -> None:
    report = attempt(
        session,
        board,
        csv_sheet("Titel;Priorität", "E-Akte;hoch", "Mängelmelder;egal", "Wohngeld;niedrig"),
    )
    assert texts.lines(report) == [
        "Zeile 3: abgelehnt – unbekannte Priorität „egal“",
        "Zeile 2: neu – E-Akte",
        "Zeile 4: neu – Wohngeld",
    ]
