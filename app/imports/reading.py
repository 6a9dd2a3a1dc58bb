"""Spreadsheets as a CDO has them: XLSX, or CSV as a German Excel writes it (semicolon,
Windows-1252 or UTF-8 with BOM; Excel's "Unicode text" is UTF-16 with tabs), with title rows
above the header and empty lines between.

Everything read is text (dates from XLSX cells become `TT.MM.JJJJ`); a hostile file — a zip
bomb, binary garbage, a huge sheet, a formula, text in another encoding — is refused before it
is read in full, saying why. Formulas are refused rather than read as their last result: the
list is the CDO's, and what a formula computes is not something she typed."""

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from app.errors import InvalidInput
from app.web.downloads import DANGEROUS_PREFIXES

MAX_ROWS = 5_000
MAX_COLUMNS = 60
MAX_CELL = 20_000
# An XLSX is a zip: what it would unpack to, and how much more that may be than the file.
MAX_UNPACKED = 60 * 1024 * 1024
MAX_MEMBER = 30 * 1024 * 1024
MAX_RATIO = 200


@dataclass(frozen=True)
class Sheet:
    """The header row and the rows below it, each with its row number in the file."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def read(content: bytes, filename: str) -> Sheet:
    """The table in an uploaded file; refuses what is not one, saying why."""
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return _table(_xlsx(content))
    return _table(_csv(content))


def _xlsx(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        sizes = [item.file_size for item in archive.infolist()]
    except (zipfile.BadZipFile, ValueError):
        raise InvalidInput("file", "not an Excel file (XLSX) that can be read") from None
    unpacked = sum(sizes)
    if (
        unpacked > MAX_UNPACKED
        or max(sizes, default=0) > MAX_MEMBER
        or unpacked > MAX_RATIO * max(len(content), 1)
    ):
        raise InvalidInput("file", "the Excel file unpacks to too much data")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        # The stored size of the sheet may be wrong or missing: read what is there.
        sheet.reset_dimensions()
        rows = _filled(
            [_xlsx_text(cell) for cell in row] for row in sheet.iter_rows(max_col=MAX_COLUMNS)
        )
        workbook.close()
    except InvalidInput:
        raise
    except Exception:
        # openpyxl raises many kinds of errors on damaged files; all mean the same here.
        raise InvalidInput("file", "not an Excel file (XLSX) that can be read") from None
    return rows


def _filled(rows: Iterable[list[str]]) -> list[tuple[int, list[str]]]:
    """The rows with something in them, numbered as in the file; refuses too many."""
    found = []
    for number, row in enumerate(rows, start=1):
        cells = [_cell(cell) for cell in row[:MAX_COLUMNS]]
        if any(cells):
            found.append((number, cells))
            # The header and a few title rows come on top of the measures.
            if len(found) > MAX_ROWS + 20:
                raise InvalidInput("file", "more than %(max)s rows", max=MAX_ROWS)
    return found


def _xlsx_text(cell: Any) -> str:
    if getattr(cell, "data_type", None) == "f":
        raise InvalidInput(
            "file",
            "cell %(cell)s holds a formula; paste the list as values (copy, paste special → "
            "values) and upload it again",
            cell=cell.coordinate,
        )
    return _text(cell.value)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv(content: bytes) -> list[tuple[int, list[str]]]:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _utf16(content)
    elif b"\x00" in content[:4096]:
        raise InvalidInput("file", "not a text file (CSV)")
    else:
        text = _decode(content)
    delimiter = _delimiter(text)
    try:
        return _filled(_no_formulas(csv.reader(io.StringIO(text), delimiter=delimiter)))
    except csv.Error:
        raise InvalidInput("file", "the CSV file cannot be read") from None


def _no_formulas(rows: Iterable[list[str]]) -> Iterator[list[str]]:
    """The rows, refusing a cell a spreadsheet opening the file would run (an export writes
    '= before such text, and that stays text)."""
    for number, cells in enumerate(rows, start=1):
        for column, cell in enumerate(cells, start=1):
            if cell.strip().startswith("=") and len(cell.strip()) > 1:
                raise InvalidInput(
                    "file",
                    "row %(row)s, column %(column)s begins with “=” like a formula; if it is "
                    "text, put an apostrophe before it ('=…)",
                    row=number,
                    column=column,
                )
        yield cells


def _utf16(content: bytes) -> str:
    try:
        return content.decode("utf-16")
    except UnicodeDecodeError:
        raise InvalidInput("file", "the file is neither UTF-8 nor Windows-1252 text") from None


def _delimiter(text: str) -> str:
    """The separator that gives the most lines with one and the same number (two or more) of
    columns: a comma in a description does not make a semicolon file a comma file."""
    sample = [line for line in text[:50_000].splitlines()[:30] if line.strip()]
    best, score = ";", -1
    for mark in (";", "\t", ","):
        try:
            widths = Counter(len(row) for row in csv.reader(sample, delimiter=mark))
        except csv.Error:
            continue
        found = max((count for width, count in widths.items() if width >= 2), default=0)
        if found > score:
            best, score = mark, found
    return best


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as German Excel writes it."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="strict")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError:
        raise InvalidInput("file", "the file is neither UTF-8 nor Windows-1252 text") from None
    if _misread(text):
        raise InvalidInput("file", "the file is neither UTF-8 nor Windows-1252 text")
    return text


# What German umlauts become when a Mac Roman or DOS (code page 850) file is read as
# Windows-1252: letters a German list never holds, and control characters.
FOREIGN = set("ŠšŸŒœŽžƒˆ‰‹›†‡") | {chr(code) for code in range(32) if chr(code) not in "\t\r\n"}
UMLAUTS = set("äöüÄÖÜß")


def _misread(text: str) -> bool:
    """Whether Windows-1252 gave letters of the wrong encoding rather than umlauts."""
    found = set(text)
    return bool(found & FOREIGN) and not found & UMLAUTS


def _cell(text: str) -> str:
    """A cell's text; the apostrophe an export puts before text a spreadsheet would run as a
    formula is taken off again."""
    text = text.strip()
    if text.startswith("'") and text[1:2] and text[1] in DANGEROUS_PREFIXES:
        return text[1:]
    return text


def _table(filled: list[tuple[int, list[str]]]) -> Sheet:
    """The header is the first row with at least two filled cells (title rows above have one);
    every row as long as the header."""
    for index, (_, row) in enumerate(filled):
        if sum(1 for cell in row if cell) >= 2:
            header = row
            body = filled[index + 1 :]
            break
    else:
        raise InvalidInput("file", "no header row found (a row with at least two column names)")
    width = max(i + 1 for i, cell in enumerate(header) if cell)
    header = header[:width]
    if len(body) > MAX_ROWS:
        raise InvalidInput("file", "more than %(max)s rows", max=MAX_ROWS)
    result = []
    for number, row in body:
        cells = (row + [""] * width)[:width]
        if any(len(cell) > MAX_CELL for cell in cells):
            raise InvalidInput(
                "file",
                "row %(row)s has a cell longer than %(max)s characters",
                row=number,
                max=MAX_CELL,
            )
        if any(cells):
            result.append((number, cells))
    return Sheet(header, result)
