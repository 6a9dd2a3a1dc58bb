"""Writes the two sample lists the import tests read, as a CDO brings them from her Kommune:

- `massnahmen.xlsx`: the list as Excel keeps it — two title rows merged across the table, an
  empty row, the header, then the measures in blocks per department with empty rows between;
  text in a shared strings table, due dates as real date cells shown `TT.MM.JJJJ`;
- `massnahmen-excel.csv`: the same sheet as a German Excel saves it ("CSV (Trennzeichen-
  getrennt)"): Windows-1252, `;` between cells, CRLF line ends, a cell quoted only where it
  holds `;`, a quote or a line break, title and empty rows as `Text;;;;…` and `;;;;…`.

Every department and lotse named here exists in the data the tests set up
(tests/factories.py, make_kommune), so both files import cleanly. The output is the same
on every run (fixed document dates and zip timestamps; the zip's packed bytes as far as the
zlib is the same). Rebuild the files with

    .venv/bin/python tests/data/make_samples.py

and update the expected table in tests/unit/test_imports.py when the measures change.
"""

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

HERE = Path(__file__).resolve().parent
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = [
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
TITLES = [
    "Digitalisierungsmaßnahmen der Stadt Musterstadt",
    "Stand: 24.11.2026 – gesammelt in den Gesprächen mit den Amtsleitungen",
]
# Blocks of measures, one per department, as the CDO wrote them down:
# title, description, department, lotse, status, priority, due date, tags, size.
BLOCKS: list[list[tuple[str, str, str, str, str, str, date | None, str, str]]] = [
    [
        (
            "E-Akte Wohngeld",
            "Anträge digital bearbeiten; Papierakte ablösen",
            "Sozialamt",
            "Olga Petrová",
            "In Umsetzung",
            "hoch",
            date(2027, 3, 31),
            "E-Akte, OZG",
            "L",
        ),
        (
            "Online-Antrag Elterngeld",
            "Antrag über das Landesportal, Nachweise als Upload",
            "Sozialamt",
            "Olga Petrová",
            "Priorisiert",
            "hoch",
            date(2027, 6, 30),
            "OZG, Bürgerservice",
            "M",
        ),
        (
            "Terminvergabe Schuldnerberatung",
            "Beratungstermine online buchbar, Erinnerung per SMS",
            "Sozialamt",
            "",
            "Ideenspeicher",
            "normal",
            None,
            "Termine",
            "S",
        ),
        (
            "Bildung und Teilhabe digital",
            "Gutscheine für Mittagessen und Ausflüge digital ausgeben.\n"
            "Abrechnung mit den Schulen über das Portal.",
            "Sozialamt",
            "Olga Petrová",
            "Ideenspeicher",
            "niedrig",
            None,
            "BuT",
            "M",
        ),
    ],
    [
        (
            "Online-Terminvergabe Bürgerbüro",
            "Termine für Pass, Personalausweis und Meldesachen",
            "Bürgeramt",
            "Jürgen Weiß",
            "Erledigt",
            "dringend",
            date(2026, 10, 1),
            "Termine, Bürgerservice",
            "M",
        ),
        (
            "Wohnsitzanmeldung online",
            "eWA-Dienst des Landes anbinden; Meldebestätigung als PDF",
            "Bürgeramt",
            "Jürgen Weiß",
            "In Umsetzung",
            "hoch",
            date(2027, 2, 15),
            "OZG",
            "L",
        ),
        (
            "Selbstbedienungsterminal für Lichtbilder",
            'Passfotos direkt im Bürgerbüro aufnehmen ("Speed Capture")',
            "Bürgeramt",
            "Jürgen Weiß",
            "Priorisiert",
            "mittel",
            date(2027, 5, 31),
            "",
            "S",
        ),
        (
            "Fundbüro online",
            "Fundsachen im Internet suchen und verlorene Dinge melden",
            "Bürgeramt",
            "",
            "",
            "niedrig",
            None,
            "Bürgerservice",
            "S",
        ),
    ],
    [
        (
            "Hundesteuer online",
            "An- und Abmeldung über das Portal",
            "Kämmerei",
            "Markus Schulz",
            "Erledigt",
            "niedrig",
            date(2026, 10, 1),
            "",
            "S",
        ),
        (
            "E-Rechnung einführen",
            "XRechnung-Eingang über die zentrale Plattform, Freigabe im Workflow",
            "Kämmerei",
            "Markus Schulz",
            "In Umsetzung",
            "sehr hoch",
            date(2026, 11, 27),
            "E-Rechnung, XRechnung",
            "XL",
        ),
        (
            "Gewerbesteuerbescheide elektronisch",
            "Bescheide über das Postfach im Unternehmenskonto zustellen",
            "Kämmerei",
            "Markus Schulz",
            "Ideenspeicher",
            "normal",
            date(2027, 12, 31),
            "Unternehmenskonto",
            "M",
        ),
        (
            "SEPA-Lastschriftmandate digital",
            "",
            "Kämmerei",
            "",
            "Priorisiert",
            "",
            None,
            "Zahlungsverkehr",
            "S",
        ),
    ],
    [
        (
            "Mängelmelder",
            "Bürger:innen melden Schäden mit Foto und Ort",
            "Ordnungsamt",
            "Claudia Neumann",
            "Priorisiert",
            "dringend",
            date(2026, 12, 20),
            "Bürgerservice; App",
            "M",
        ),
        (
            "Gewerbeanmeldung digital",
            "Gewerbe an-, um- und abmelden; Weiterleitung an IHK und Finanzamt",
            "Ordnungsamt",
            "Claudia Neumann",
            "In Umsetzung",
            "hoch",
            date(2027, 1, 31),
            "OZG, Unternehmenskonto",
            "L",
        ),
        (
            "Bewohnerparkausweise online",
            "Antrag, Bezahlung und Ausweis als PDF zum Ausdrucken",
            # The short code, as colleagues write it.
            "OA",
            "Claudia Neumann",
            "Ideenspeicher",
            "normal",
            None,
            "Verkehr",
            "M",
        ),
        (
            "Bußgeldverfahren ohne Papier",
            "Anhörung und Bescheid elektronisch; Zahlung online",
            "Ordnungsamt",
            "",
            "Ideenspeicher",
            "niedrig",
            None,
            "E-Akte",
            "XL",
        ),
    ],
    [
        (
            "Online-Buchung Sporthallen",
            "Vereine buchen Hallenzeiten selbst",
            "Schulen & Sport",
            "Lukas Braun",
            "Ideenspeicher",
            "normal",
            None,
            "Bürgerservice",
            "M",
        ),
        (
            "WLAN in allen Grundschulen",
            "Ausbau aus dem DigitalPakt Schule; sechs Standorte",
            "Schulen & Sport",
            "Lukas Braun",
            "in Umsetzung",
            "hoch",
            date(2027, 7, 31),
            "DigitalPakt, Infrastruktur",
            "XL",
        ),
        (
            "Schulanmeldung online",
            "Anmeldung der Erstklässler über ein Formular statt im Sekretariat",
            "Schulen & Sport",
            "Lukas Braun",
            "Priorisiert",
            "normal",
            date(2027, 1, 15),
            "OZG",
            "M",
        ),
        (
            "Tablets für die Grundschulen",
            'Projekt "Schule digital": 400 Geräte, verwaltet über ein MDM',
            "Schulen & Sport",
            "Lukas Braun",
            "Erledigt",
            "hoch",
            date(2026, 8, 31),
            "DigitalPakt",
            "L",
        ),
    ],
    [
        (
            "Digitaler Bauantrag",
            "Bauanträge über das Portal des Landes, Beteiligung der Fachämter digital",
            "Bauamt",
            "Jörg Großmann",
            "In Umsetzung",
            "dringend",
            date(2027, 4, 30),
            "OZG, XBau",
            "XL",
        ),
        (
            "Baulückenkataster im Geoportal",
            "Freie Grundstücke auf der Karte zeigen",
            "Bauamt",
            "Jörg Großmann",
            "Ideenspeicher",
            "niedrig",
            None,
            "Geodaten",
            "M",
        ),
        (
            "Straßenaufbrüche koordinieren",
            "Baustellen von Versorgern und Stadt in einer Karte abstimmen",
            "Bauamt",
            "",
            "Priorisiert",
            "normal",
            date(2027, 9, 30),
            "Geodaten, Verkehr",
            "L",
        ),
    ],
    [
        (
            "Elektronische Personalakte",
            "Personalakten scannen und im DMS führen",
            "Hauptamt",
            "Grete Fuß",
            "Priorisiert",
            "hoch",
            date(2027, 12, 31),
            "E-Akte",
            "XL",
        ),
        (
            "Ratsinformationssystem für alle Ausschüsse",
            "Sitzungsunterlagen digital; Tablets für die Ratsmitglieder",
            "Hauptamt",
            "Grete Fuß",
            "Erledigt",
            "normal",
            date(2026, 9, 15),
            "Gremien",
            "M",
        ),
    ],
]
# When the list was last saved: the document's dates and the zip's timestamps.
SAVED = datetime(2026, 11, 24, 9, 30)


def rows() -> list[list[object]]:
    """The sheet row by row (None: an empty cell), as in both files."""
    found: list[list[object]] = [[title] + [None] * (len(HEADER) - 1) for title in TITLES]
    found += [[None] * len(HEADER), list(HEADER)]
    number = 0
    for index, block in enumerate(BLOCKS):
        if index:
            found.append([None] * len(HEADER))
        for measure in block:
            number += 1
            found.append([number, *(value if value != "" else None for value in measure)])
    return found


def xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Maßnahmen"
    for row in rows():
        sheet.append(row)
    last = chr(ord("A") + len(HEADER) - 1)
    for number, _title in enumerate(TITLES, start=1):
        sheet.merge_cells(f"A{number}:{last}{number}")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"].font = Font(italic=True)
    header_row = len(TITLES) + 2
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in sheet.iter_rows(min_row=header_row + 1):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(row[7].value, datetime | date):
            row[7].number_format = "DD.MM.YYYY"
    for column, width in zip("ABCDEFGHIJ", (5, 40, 60, 18, 18, 14, 10, 12, 26, 7), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
    workbook.properties.creator = "Digitalisierung, Stadt Musterstadt"
    workbook.properties.lastModifiedBy = "Digitalisierung, Stadt Musterstadt"
    workbook.properties.created = SAVED
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _as_excel_saves_it(buffer.getvalue())


def _as_excel_saves_it(content: bytes) -> bytes:
    """openpyxl writes text into the cells (inline strings); Excel keeps each text once in a
    shared strings table and puts its index into the cell. Every member dated SAVED, so the
    file does not change on a rerun."""
    with zipfile.ZipFile(io.BytesIO(content)) as source:
        members = {item.filename: source.read(item.filename) for item in source.infolist()}
    # openpyxl dates the document when it saves it.
    members["docProps/core.xml"] = re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*",
        rb"\g<1>" + SAVED.strftime("%Y-%m-%dT%H:%M:%SZ").encode(),
        members["docProps/core.xml"],
    )
    sheet, strings = _shared(members["xl/worksheets/sheet1.xml"])
    members["xl/worksheets/sheet1.xml"] = sheet
    members["xl/sharedStrings.xml"] = strings
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9"/></Relationships>',
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            member = zipfile.ZipInfo(name, date_time=SAVED.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, data)
    return out.getvalue()


def _shared(sheet_xml: bytes) -> tuple[bytes, bytes]:
    """The sheet with its inline texts replaced by indexes, and the table they point into."""
    ElementTree.register_namespace("", MAIN)
    root = ElementTree.fromstring(sheet_xml)
    index: dict[str, int] = {}
    count = 0
    for cell in root.iter(f"{{{MAIN}}}c"):
        if cell.get("t") != "inlineStr":
            continue
        text = "".join(cell.itertext())
        for child in list(cell):
            cell.remove(child)
        ElementTree.SubElement(cell, f"{{{MAIN}}}v").text = str(index.setdefault(text, len(index)))
        cell.set("t", "s")
        count += 1
    table = ElementTree.Element(
        f"{{{MAIN}}}sst", {"count": str(count), "uniqueCount": str(len(index))}
    )
    for text in index:
        item = ElementTree.SubElement(
            ElementTree.SubElement(table, f"{{{MAIN}}}si"), f"{{{MAIN}}}t"
        )
        item.text = text
        if text != text.strip() or "\n" in text:
            item.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    declaration = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return (
        declaration + ElementTree.tostring(root, encoding="utf-8", xml_declaration=False),
        declaration + ElementTree.tostring(table, encoding="utf-8", xml_declaration=False),
    )


def german_csv() -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows():
        writer.writerow(
            ""
            if value is None
            else value.strftime("%d.%m.%Y")
            if isinstance(value, date)
            else value
            for value in row
        )
    return out.getvalue().encode("cp1252")


def main() -> None:
    (HERE / "massnahmen.xlsx").write_bytes(xlsx())
    (HERE / "massnahmen-excel.csv").write_bytes(german_csv())


if __name__ == "__main__":
    main()
