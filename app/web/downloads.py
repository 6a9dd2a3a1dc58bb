"""Tables of figures as downloads: German Excel CSV and XLSX, safe against formula injection."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from starlette.responses import Response

Cell = str | int | float | date | datetime | None

BERLIN = ZoneInfo("Europe/Berlin")
# OWASP: spreadsheet programs read cells starting with these as formulas.
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"


@dataclass(frozen=True)
class Table:
    """One table of figures: what a page shows beside a chart and what a download contains."""

    slug: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""


def neutralise(text: str) -> str:
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    return "'" + text if text.startswith(DANGEROUS_PREFIXES) else text


def berlin(value: datetime) -> datetime:
    """The moment as Berlin wall-clock time, without tzinfo; naive input counts as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BERLIN).replace(tzinfo=None)


def format_number(value: float) -> str:
    """A float with a decimal comma, at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text.replace(".", ",")


def csv_text(value: Cell) -> str:
    """One cell as German Excel shows it."""
    if value is None:
        return ""
    if isinstance(value, datetime):  # before date: a datetime is a date
        return berlin(value).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_number(value)
    return neutralise(value)


def to_csv(table: Table) -> bytes:
    """The table as a CSV file that Excel in a German locale opens correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(column) for column in table.columns])
    writer.writerows([csv_text(value) for value in row] for row in table.rows)
    # The BOM is how Excel learns the file is UTF-8 rather than Windows-1252.
    return buffer.getvalue().encode("utf-8-sig")


def sheet_title(title: str) -> str:
    """A title Excel accepts as sheet name."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "", title)[:31].strip().strip("'")
    return cleaned or "Tabelle"


def to_xlsx(table: Table) -> bytes:
    """The table as an XLSX workbook with one sheet, real numbers and real dates."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(table.title)
    widths = [len(column) for column in table.columns]
    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", neutralise(column))
        cell.data_type = "s"
        cell.font = Font(bold=True)
    for row_index, row in enumerate(table.rows, start=2):
        for index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=index)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
                # openpyxl would otherwise store a text starting with "=" as a formula.
                cell.data_type = "s"
            elif isinstance(value, datetime):
                cell.value = berlin(value)
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = DATE_FORMAT
            else:
                cell.value = value
            if index <= len(widths):
                widths[index - 1] = max(widths[index - 1], len(csv_text(value)))
            else:
                widths.append(len(csv_text(value)))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 60) + 2
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def slugify(text: str) -> str:
    """Lower-case ascii with hyphens, German umlauts transliterated."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(UMLAUTS)).strip("-")


def filename(table: Table, *, board_name: str, extension: str, prefix: str = "auswertung") -> str:
    """The download's file name, e.g. `auswertung-massnahmen-2026-durchsatz.csv`."""
    parts = [prefix, slugify(board_name), slugify(table.slug)]
    return "-".join(part for part in parts if part) + "." + extension.lstrip(".")


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def body(table: Table, extension: str) -> bytes:
    """The table as a file of that kind (`csv` or `xlsx`)."""
    return to_csv(table) if extension == "csv" else to_xlsx(table)


def response(table: Table, *, extension: str, name: str) -> Response:
    """The table as a download the browser saves as `name`."""
    return Response(
        body(table, extension),
        media_type=MEDIA_TYPES[extension],
        headers={"Content-Disposition": content_disposition(name)},
    )


def content_disposition(name: str) -> str:
    """The Content-Disposition header value that makes a browser save the file as `name`."""
    # filename() yields ascii already; this only keeps the header well-formed whatever comes in.
    safe = re.sub(r'[^\x20-\x7e]|["\\]', "_", name)
    return f'attachment; filename="{safe}"'
