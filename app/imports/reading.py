"""Spreadsheets as a CDO has them: XLSX, or CSV as a German Excel writes it (semicolon,
Windows-1252 or UTF-8 with BOM; Excel's "Unicode text" is UTF-16 with tabs), with title rows
above the header and empty lines between.

Everything read is text (dates from XLSX cells become `TT.MM.JJJJ`); a hostile file — a zip
bomb, binary garbage, a huge sheet, text in another encoding — is refused before it is read in
full, saying why. Formulas are noted with their cell: a row that would import one is refused
rather than read with its last result (what a formula computes is not what the CDO typed),
while a helper column the import leaves out may hold them."""

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from app.errors import InvalidInput
from app.types import N_
from app.web.downloads import DANGEROUS_PREFIXES

MAX_ROWS = 5_000
MAX_COLUMNS = 60
MAX_CELL = 20_000
# An XLSX is a zip: what it would unpack to, and how much more that may be than the file.
MAX_UNPACKED = 60 * 1024 * 1024
MAX_MEMBER = 30 * 1024 * 1024
MAX_RATIO = 200
NOT_TEXT = N_("the file is neither UTF-8 nor Windows-1252 text – save it in Excel as “CSV UTF-8”")


@dataclass(frozen=True)
class Formula:
    """A cell that holds a formula (XLSX) or text a spreadsheet would run as one (CSV)."""

    cell: str  # as Excel names it, e.g. C7
    in_csv: bool


@dataclass(frozen=True)
class Sheet:
    """The header row and the rows below it, each with its row number in the file; the
    formulas by row number and column. A formula is refused where a column is imported from,
    not in a helper column the import leaves out."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    formulas: dict[tuple[int, int], Formula] = field(default_factory=dict)


# Text a spreadsheet runs: `=…`, or `+ - @` before a cell (A1, $B$2) or a function (SUMME().
RUNS = re.compile(r"=.|[+\-@]\s*(?:\$?[A-Za-z]{1,3}\$?[0-9]+|[A-Za-z][A-Za-z0-9_.]*\()")


def read(content: bytes, filename: str) -> Sheet:
    """The table in an uploaded file; refuses what is not one, saying why."""
    formulas: dict[tuple[int, int], Formula] = {}
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return _table(_xlsx(content, formulas), formulas)
    return _table(_csv(content, formulas), formulas)


def _xlsx(content: bytes, formulas: dict[tuple[int, int], Formula]) -> list[tuple[int, list[str]]]:
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
            [_xlsx_text(cell, number, formulas) for cell in row]
            for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1)
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


def _xlsx_text(cell: Any, number: int, formulas: dict[tuple[int, int], Formula]) -> str:
    if getattr(cell, "data_type", None) == "f":
        formulas[(number, cell.column - 1)] = Formula(cell.coordinate, in_csv=False)
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


def _csv(content: bytes, formulas: dict[tuple[int, int], Formula]) -> list[tuple[int, list[str]]]:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _utf16(content)
    elif b"\x00" in content[:4096]:
        raise InvalidInput("file", "not a text file (CSV)")
    else:
        text = _decode(content)
    delimiter = _delimiter(text)
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        return _filled(_marking_formulas(reader, formulas))
    except csv.Error:
        raise InvalidInput("file", "the CSV file cannot be read") from None


def _marking_formulas(
    rows: Iterable[list[str]], formulas: dict[tuple[int, int], Formula]
) -> Iterator[list[str]]:
    """The rows, noting each cell a spreadsheet opening the file would run (an export writes
    an apostrophe before such text, and that stays text)."""
    for number, cells in enumerate(rows, start=1):
        for column, cell in enumerate(cells[:MAX_COLUMNS]):
            if RUNS.match(cell.strip()):
                name = f"{get_column_letter(column + 1)}{number}"
                formulas[(number, column)] = Formula(name, in_csv=True)
        yield cells


def _utf16(content: bytes) -> str:
    try:
        return content.decode("utf-16")
    except UnicodeDecodeError:
        raise InvalidInput("file", NOT_TEXT) from None


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
        raise InvalidInput("file", NOT_TEXT) from None
    if _misread(text):
        raise InvalidInput("file", NOT_TEXT)
    return text


# What German umlauts become when a Mac Roman (Š Ÿ § € … †) or DOS code page 850 („ ” ™) file
# is read as Windows-1252, inside a word: "GebŸhr", "B”rse", "KŠmmerei". Windows-1252 text has
# them only as quotes and signs, and a capital Š before lower-case letters never.
MISREAD = re.compile(r"(?<=[^\W\d_])[ŠŸ§€…†„”™](?=[^\W\d_])")
UMLAUTS = set("äöüÄÖÜß")
# Mac Roman's ö is Windows-1252's š, a letter of its own in names ("Dušan", "Ivanišek",
# "Paškov"). Before r, s, h, f, g, d, ch or ck it is German ("Bšrse", "Lšsung", "Hšhe",
# "mšglich", "mšchte", "Stšcke"); before a vowel, k or v it is a name, and so before a lone c:
# Windows writes the ć of "Mišćević" as c. The reading with more such words wins; one with
# neither ("Kšln", "schšn") is read as Windows-1252, and its preview shows it.
AS_OE = re.compile(r"š(?:[rshfgd]|c[hk])")
AS_S = re.compile(r"š[aeiouykv]")


def _misread(text: str) -> bool:
    """Whether Windows-1252 gave letters of the wrong encoding rather than umlauts."""
    if set(text) & UMLAUTS:
        return False
    for found in MISREAD.finditer(text):
        if found.group() != "Š" or text[found.end()].islower():
            return True
    return len(AS_OE.findall(text)) > len(AS_S.findall(text))


def _cell(text: str) -> str:
    """A cell's text; the apostrophe an export puts before text a spreadsheet would run as a
    formula is taken off again."""
    text = text.strip()
    if text.startswith("'") and text[1:2] and text[1] in DANGEROUS_PREFIXES:
        return text[1:]
    return text


def _table(filled: list[tuple[int, list[str]]], formulas: dict[tuple[int, int], Formula]) -> Sheet:
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
    kept = {number for number, _cells in result}
    return Sheet(header, result, {k: v for k, v in formulas.items() if k[0] in kept})
