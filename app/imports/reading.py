"""Spreadsheets as a CDO has them: XLSX, or CSV as a German Excel writes it (semicolon,
Windows-1252 or UTF-8 with BOM), with title rows above the header and empty lines between.

Everything read is text (dates from XLSX cells become `TT.MM.JJJJ`); a hostile file — a zip
bomb, binary garbage, a huge sheet — is refused before it is read in full."""

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

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
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # The stored size of the sheet may be wrong or missing: read what is there.
        sheet.reset_dimensions()
        rows = _filled(
            [_text(value) for value in row]
            for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
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
    if b"\x00" in content[:4096]:
        raise InvalidInput("file", "not a text file (CSV)")
    text = _decode(content)
    delimiter = _delimiter(text)
    try:
        return _filled(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        raise InvalidInput("file", "the CSV file cannot be read") from None


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
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise InvalidInput("file", "the file is neither UTF-8 nor Windows-1252 text") from None


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
