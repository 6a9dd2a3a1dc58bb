"""A board's measures as a table for Excel: the view the person has (filters included)."""

from sqlmodel import Session

from app.annotations import queries as annotations
from app.annotations.texts import severity_label
from app.boards.models import Board
from app.boards.service import list_phases
from app.cards import queries
from app.cards.models import CardFilter
from app.cards.texts import priority_label
from app.people import service as people
from app.web.downloads import Cell, Table
from app.web.i18n import gettext as _
from app.web.i18n import ngettext


def board_table(session: Session, *, board: Board, filters: CardFilter) -> Table:
    """Every active measure in the filtered view, phase by phase, with its open concerns and
    resistances summed up."""
    assert board.id is not None
    phases = {p.id: p.name for p in list_phases(session, board_id=board.id)}
    departments = {d.id: d.name for d in people.list_departments(session)}
    lotsen = {lotse.id: lotse.name for lotse in people.list_lotsen(session)}
    marks = annotations.card_marks(session, board_id=board.id)
    rows: list[list[Cell]] = []
    for card in queries.list_cards(session, board_id=board.id, filters=filters):
        mark = marks.get(card.id)
        open_items = []
        if mark and mark.concerns:
            severity = severity_label(mark.concern_severity)
            open_items.append(
                ngettext(
                    "%(num)s concern (%(severity)s)",
                    "%(num)s concerns (%(severity)s)",
                    mark.concerns,
                    severity=severity,
                )
            )
        if mark and mark.resistances:
            severity = severity_label(mark.resistance_severity)
            open_items.append(
                ngettext(
                    "%(num)s resistance (%(severity)s)",
                    "%(num)s resistances (%(severity)s)",
                    mark.resistances,
                    severity=severity,
                )
            )
        rows.append(
            [
                card.title,
                phases.get(card.phase_id, ""),
                departments.get(card.department_id, "") if card.department_id else "",
                lotsen.get(card.lotse_id, "") if card.lotse_id else "",
                priority_label(card.priority),
                card.size or "",
                card.due_date,
                ", ".join(card.tags),
                "; ".join(open_items),
                _("yes") if mark and mark.blocked else _("no"),
                card.description,
                card.created_at,
                card.updated_at,
                card.id,
            ]
        )
    return Table(
        "massnahmen",
        _("Measures"),
        [
            _("Title"),
            _("Phase"),
            _("Department"),
            _("Lotse"),
            _("Priority"),
            _("Size"),
            _("Due date"),
            _("Tags"),
            _("Open concerns and resistances"),
            _("Blocked"),
            _("Description"),
            _("Created"),
            _("Last changed"),
            _("Number"),
        ],
        rows,
    )
