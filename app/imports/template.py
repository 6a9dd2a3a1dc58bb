"""An empty list to fill in: the columns the import recognises, and on a second sheet the
values this board knows (phases, departments with their short codes, lotsen, priorities,
sizes, yes and no), so a CDO can collect measures in Excel the way the import reads them."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlmodel import Session

from app.boards import service as boards
from app.imports.mapping import FIELDS
from app.imports.texts import field_name
from app.people import service as people
from app.web.downloads import neutralise
from app.web.i18n import gettext as _

# Named as the mapping step names them, without what it adds in brackets.
COLUMNS = [name for name in FIELDS if name != "key"]
PRIORITIES = ("niedrig", "normal", "hoch", "dringend")
SIZES = ("S", "M", "L", "XL")


def header(name: str) -> str:
    return field_name(name).split(" (")[0]


def workbook(session: Session, *, board_id: int) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Measures")
    bold = Font(bold=True)
    for index, name in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header(name))
        cell.font = bold
        sheet.column_dimensions[cell.column_letter].width = 30 if name == "description" else 18
    sheet.freeze_panes = "A2"
    values = book.create_sheet(_("Valid values"))
    phases = [p.name for p in boards.list_phases(session, board_id=board_id)]
    departments = people.list_departments(session, include_inactive=False)
    lotsen = [lotse.name for lotse in people.list_lotsen(session, include_inactive=False)]
    lists = [
        (_("Phase"), phases),
        (_("Department"), [d.name for d in departments]),
        (_("Short code"), [d.code for d in departments]),
        (_("Lotse"), lotsen),
        (_("Priority"), list(PRIORITIES)),
        (_("Size"), list(SIZES)),
        (_("Done, archived"), [_("yes"), _("no")]),
    ]
    for index, (title, found) in enumerate(lists, start=1):
        cell = values.cell(row=1, column=index, value=title)
        cell.font = bold
        values.column_dimensions[cell.column_letter].width = 28
        for row, value in enumerate(found, start=2):
            values.cell(row=row, column=index, value=neutralise(value))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
