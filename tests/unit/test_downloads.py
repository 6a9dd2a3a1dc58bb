"""Downloads of a table of figures: German Excel CSV, XLSX and their file names."""

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import openpyxl
import pytest

from app.web.downloads import Cell, Table, content_disposition, filename, to_csv, to_xlsx

DANGEROUS = [
    "=1+1",
    "+49 30",
    "-x",
    "@SUM(A1)",
    "\tfoo",
    "\rfoo",
    "\nfoo",
    '=HYPERLINK("http://x")',
]


def table(rows: list[list[Cell]] | None = None) -> Table:
    return Table(
        slug="durchsatz",
        title="Erledigte Maßnahmen je Woche",
        columns=["Woche", "Beginn", "Erledigt", "Schnitt", "Stand"],
        rows=rows
        if rows is not None
        else [
            ["KW 48", date(2026, 11, 24), 7, 3.5, datetime(2026, 7, 1, 12, 5, tzinfo=UTC)],
            ["Übergabe größer", date(2026, 1, 2), -3, 4.0, datetime(2026, 12, 1, 12, 5)],
            ["leer", None, 0, 1.239, None],
        ],
        note="Nicht in der Datei.",
    )


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_is_utf8_with_bom_semicolons_and_crlf() -> None:
    data = to_csv(table())
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 4
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"Nicht in der Datei" not in data
    assert read_csv(data)[0] == ["Woche", "Beginn", "Erledigt", "Schnitt", "Stand"]


def test_csv_writes_german_dates_numbers_and_berlin_times() -> None:
    rows = read_csv(to_csv(table()))
    # Summer: UTC+2; winter, and naive meaning UTC: UTC+1.
    assert rows[1] == ["KW 48", "24.11.2026", "7", "3,5", "01.07.2026 14:05"]
    assert rows[2] == ["Übergabe größer", "02.01.2026", "-3", "4", "01.12.2026 13:05"]
    assert rows[3] == ["leer", "", "0", "1,24", ""]


def test_csv_round_trips_delimiters_newlines_and_quotes() -> None:
    text = 'A; B\nzweite Zeile "zitiert"'
    assert read_csv(to_csv(table([[text, None, 1, 1.25, None]])))[1][0] == text
    assert read_csv(to_csv(table([[text, None, 1, 1.25, None]])))[1][3] == "1,25"


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_neutralises_formula_prefixes(text: str) -> None:
    rows = read_csv(to_csv(table([[text, None, -5, -2.5, None]])))
    assert rows[1] == ["'" + text, "", "-5", "-2,5", ""]


def test_csv_leaves_harmless_text_alone() -> None:
    rows = read_csv(to_csv(table([["Rathaus 2026 'alt'", None, 1, 1.0, None]])))
    assert rows[1][0] == "Rathaus 2026 'alt'"


def test_xlsx_has_one_titled_sheet_with_bold_frozen_header() -> None:
    data = to_xlsx(table())
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Erledigte Maßnahmen je Woche"]
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]] == table().columns
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert all(sheet.column_dimensions[letter].width >= 8 for letter in "ABCDE")


def test_xlsx_stores_numbers_and_dates_as_such() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table()))).active
    assert [cell.value for cell in sheet[2]][:4] == ["KW 48", datetime(2026, 11, 24), 7, 3.5]
    assert sheet["B2"].number_format == "DD.MM.YYYY"
    assert sheet["E2"].value == datetime(2026, 7, 1, 14, 5)
    assert sheet["E2"].number_format == "DD.MM.YYYY HH:MM"
    assert sheet["E3"].value == datetime(2026, 12, 1, 13, 5)
    assert sheet["C3"].value == -3
    assert sheet["A3"].value == "Übergabe größer"
    assert sheet["B4"].value is None


@pytest.mark.parametrize("text", DANGEROUS)
def test_xlsx_stores_formula_prefixes_as_neutralised_text(text: str) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table([[text, None, -5, 1.5, None]])))).active
    # XML parsers read a lone CR as LF; what matters is the apostrophe in front.
    assert sheet["A2"].value == "'" + text.replace("\r", "\n")
    assert sheet["A2"].data_type == "s"
    assert sheet["C2"].value == -5


def test_xlsx_sheet_title_drops_forbidden_characters_and_fits() -> None:
    long = Table(
        slug="x", title="Durchlauf [Tage]: Ämter/Fachbereiche*? je Quartal", columns=[], rows=[]
    )
    title = openpyxl.load_workbook(io.BytesIO(to_xlsx(long))).sheetnames[0]
    assert title == "Durchlauf Tage ÄmterFachbereich"


def test_filename_transliterates_umlauts() -> None:
    name = filename(table(), board_name="Maßnahmen 2026", extension="csv")
    assert name == "auswertung-massnahmen-2026-durchsatz.csv"
    assert filename(table(), board_name="Öffentliche Übergänge!", extension="xlsx") == (
        "auswertung-oeffentliche-uebergaenge-durchsatz.xlsx"
    )


def test_content_disposition_is_an_attachment() -> None:
    assert content_disposition("a.csv") == 'attachment; filename="a.csv"'
