"""Which column holds what: guessed from German and English headers, changed by the person."""

import re
import unicodedata

from app.errors import InvalidInput

# Field → header words that name it (folded: lower case, umlauts written out).
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("titel", "massnahme", "massnahmen", "bezeichnung", "vorhaben", "title", "measure"),
    "description": ("beschreibung", "details", "bemerkung", "notiz", "erlaeuterung", "description"),
    "department": ("fachbereich", "abteilung", "amt", "bereich", "department"),
    "lotse": ("lotse", "lotsin", "digitallotse", "verantwortlich", "zustaendig", "owner"),
    "phase": ("phase", "status", "stand", "spalte"),
    "priority": ("prioritaet", "prio", "dringlichkeit", "priority"),
    "due_date": ("faellig", "faellig am", "termin", "frist", "deadline", "due", "due date"),
    "tags": ("schlagworte", "schlagwort", "stichworte", "tags"),
    "size": ("groesse", "aufwand", "size"),
    # Yes/no columns.
    "done": ("erledigt", "umgesetzt", "abgeschlossen", "fertig", "done"),
    "archived": ("archiviert", "archiv", "archived"),
    # Only the export's own column: a list's running numbers are not the board's.
    "key": ("nummer", "number"),
}
FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold(text: str) -> str:
    """For matching names: lower case, umlauts written out, other accents dropped, punctuation
    as spaces ("Olga Petrová" = "olga petrova", "Schulen & Sport" = "schulen sport")."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(FOLD))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def guess(header: list[str]) -> dict[int, str]:
    """Column index → field, for the headers that name one (each field once, first wins)."""
    found: dict[int, str] = {}
    for index, name in enumerate(header):
        words = fold(name)
        for field, names in FIELDS.items():
            if field not in found.values() and words in names:
                found[index] = field
                break
    return found


def parse(text: str, header: list[str]) -> dict[int, str]:
    """A mapping as the command line writes it: `Spalte=feld,Spalte=feld` (column by header
    name or by number from 1)."""
    found: dict[int, str] = {}
    folded = [fold(name) for name in header]
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        column, _, field = part.partition("=")
        field = field.strip()
        if field not in FIELDS and field != "":
            raise InvalidInput(
                "mapping",
                "unknown field “%(name)s” (one of: %(fields)s)",
                name=field,
                fields=", ".join(FIELDS),
            )
        column = column.strip()
        if column.isdigit() and 1 <= int(column) <= len(header):
            index = int(column) - 1
        elif fold(column) in folded:
            index = folded.index(fold(column))
        else:
            raise InvalidInput("mapping", "no column “%(name)s” in the file", name=column)
        if field:
            found[index] = field
    return found
