"""A card's Verlauf: its events from the log as sentences, newest first, a page at a time."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app.annotations.models import AnnotationCategory
from app.annotations.queries import excerpt
from app.annotations.texts import kind_label, severity_label, status_label
from app.boards.models import Phase
from app.cards.models import Card
from app.cards.texts import field_label, priority_label
from app.events import names
from app.events.models import Event
from app.people.models import Department, Lotse
from app.web.i18n import date_format
from app.web.i18n import gettext as _

PAGE_SIZE = 25
# The fields whose old and new values the Verlauf names (others: "changed", or not at all).
CARD_FIELDS = ("title", "department_id", "lotse_id", "priority", "size", "due_date", "tags")
ANNOTATION_FIELDS = (
    "kind",
    "severity",
    "category_id",
    "department_id",
    "raised_by_id",
    "blocks_card",
    "next_step_lotse_id",
    "next_step_date",
)
NOTHING = "–"
QUOTE_CHARS = 200


@dataclass
class Entry:
    """One line of the Verlauf: when, who, what; details for each changed field."""

    event_id: int
    at: Any
    actor: str
    summary: str
    details: list[str] = field(default_factory=list)
    quote: str = ""


@dataclass
class Page:
    entries: list[Entry]
    # The id to ask for the next (older) page with, None on the last page.
    older: int | None


def card_timeline(
    session: Session, *, card: Card, before: int | None = None, limit: int = PAGE_SIZE
) -> Page:
    """The card's events newest first, `limit` of them older than event id `before`."""
    statement = select(Event).where(Event.card_id == card.id)
    if before is not None:
        statement = statement.where(col(Event.id) < before)
    rows = list(session.exec(statement.order_by(col(Event.id).desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    rows += _phase_removals(session, card, rows, more, before)
    rows.sort(key=lambda event: event.id or 0, reverse=True)
    names_ = _Names(session, card.board_id)
    entries = [names_.entry(event, card) for event in rows]
    return Page(entries, rows[-1].id if more and rows else None)


def _phase_removals(
    session: Session, card: Card, rows: list[Event], more: bool, before: int | None
) -> list[Event]:
    """Removing a phase moves its cards in one board event: find the ones that moved this card,
    within the id range this page covers."""
    statement = select(Event).where(
        Event.board_id == card.board_id, Event.type == names.PHASE_REMOVED
    )
    if before is not None:
        statement = statement.where(col(Event.id) < before)
    if more and rows:
        statement = statement.where(col(Event.id) > (rows[-1].id or 0))
    return [e for e in session.exec(statement) if card.id in (e.payload.get("card_ids") or [])]


class _Names:
    """Phases, departments, lotsen and categories by id, to say what the ids in the log meant."""

    def __init__(self, session: Session, board_id: int) -> None:
        self.phases = _names(
            session, select(Phase.id, Phase.name).where(Phase.board_id == board_id)
        )
        self.departments = _names(session, select(Department.id, Department.code))
        self.lotsen = _names(session, select(Lotse.id, Lotse.name))
        self.categories = _names(session, select(AnnotationCategory.id, AnnotationCategory.name))

    def phase(self, phase_id: Any) -> str:
        return _quoted(self.phases.get(phase_id) or _("a phase removed since"))

    def entry(self, event: Event, card: Card) -> Entry:
        payload = event.payload or {}
        entry = Entry(event.id or 0, event.created_at, event.actor, _("Changed"))
        if event.type.startswith(names.ANNOTATION_PREFIX):
            self._annotation(entry, event.type, payload)
        elif event.type == names.CARD_CREATED:
            phase = self.phase((payload.get("after") or {}).get("phase_id"))
            entry.summary = _("Created in %(phase)s", phase=phase)
        elif event.type == names.CARD_MOVED:
            entry.summary = _(
                "Moved from %(source)s to %(target)s",
                source=self.phase(payload["before"].get("phase_id")),
                target=self.phase(payload["after"].get("phase_id")),
            )
        elif event.type == names.CARD_UPDATED:
            entry.summary = _("Edited")
            entry.details = self._card_fields(payload)
        elif event.type == names.CARD_ARCHIVED:
            entry.summary = _("Archived")
        elif event.type == names.CARD_RESTORED:
            entry.summary = _("Restored from the archive")
        elif event.type in (names.MEETING_ITEM_ADDED, names.MEETING_ITEM_REMOVED):
            item = payload.get("item") or {}
            day = date_format(date.fromisoformat(item.get("day", "2000-01-01")), "medium")
            title = _quoted(item.get("title", ""))
            if event.type == names.MEETING_ITEM_ADDED:
                entry.summary = _(
                    "Brought to the Lotsentreffen on %(day)s: %(title)s", day=day, title=title
                )
            else:
                entry.summary = _(
                    "Taken off the agenda of the Lotsentreffen on %(day)s: %(title)s",
                    day=day,
                    title=title,
                )
        elif event.type.startswith(names.MEETING_PREFIX) and "entry" in payload:
            self._meeting(entry, event.type, payload)
        elif event.type == names.PHASE_REMOVED:
            entry.summary = _(
                "Moved to %(target)s: its phase %(phase)s was removed",
                target=self.phase(payload.get("target_phase_id")),
                phase=_quoted((payload.get("before") or {}).get("name", "")),
            )
        return entry

    def _meeting(self, entry: Entry, kind: str, payload: dict[str, Any]) -> None:
        """Notes, decisions and action items of a Lotsentreffen about this measure."""
        day = date_format(date.fromisoformat(payload.get("day", "2000-01-01")), "medium")
        recorded = payload.get("entry") or {}
        what = recorded.get("kind")
        entry.quote = excerpt(recorded.get("text", ""), QUOTE_CHARS)
        if kind == names.MEETING_ENTRY_ADDED:
            if what == "decision":
                entry.summary = _("Decision of the Lotsentreffen on %(day)s", day=day)
            elif what == "action":
                entry.summary = _("Action item of the Lotsentreffen on %(day)s", day=day)
            else:
                entry.summary = _("Note in the Lotsentreffen on %(day)s", day=day)
        elif kind == names.MEETING_ENTRY_CORRECTED:
            entry.summary = _("Minutes of the Lotsentreffen on %(day)s corrected", day=day)
        elif kind == names.MEETING_ENTRY_REMOVED:
            entry.summary = _("Taken out of the minutes of the Lotsentreffen on %(day)s", day=day)
        elif payload.get("card_id_created"):
            entry.summary = _(
                "Created from an action item of the Lotsentreffen on %(day)s", day=day
            )
        elif payload.get("annotation_id"):
            entry.summary = _(
                "An action item of the Lotsentreffen on %(day)s became a next step", day=day
            )
        elif recorded.get("done"):
            entry.summary = _("Action item of the Lotsentreffen on %(day)s done", day=day)
        else:
            entry.summary = _("Action item of the Lotsentreffen on %(day)s open again", day=day)
        if what == "action" and recorded.get("lotse_id"):
            entry.details = [
                f"{field_label('lotse_id')}: {self._value('lotse_id', recorded['lotse_id'])}",
                f"{field_label('due_date')}: {self._value('due_date', recorded.get('due_date'))}",
            ]

    def _card_fields(self, payload: dict[str, Any]) -> list[str]:
        before, after = payload.get("before") or {}, payload.get("after") or {}
        details = []
        for key in after:
            if key == "description":
                details.append(_("Description changed"))
            elif key in CARD_FIELDS:
                details.append(self._change(key, before.get(key), after[key]))
        return details

    def _change(self, key: str, old: Any, new: Any) -> str:
        return f"{field_label(key)}: {self._value(key, old)} → {self._value(key, new)}"

    def _value(self, key: str, value: Any) -> str:
        if value is None or value == [] or value == "":
            return NOTHING
        if key == "department_id":
            return self.departments.get(value) or NOTHING
        if key in ("lotse_id", "raised_by_id", "next_step_lotse_id"):
            return self.lotsen.get(value) or NOTHING
        if key == "category_id":
            return self.categories.get(value) or NOTHING
        if key == "priority":
            return priority_label(value)
        if key == "severity":
            return severity_label(value)
        if key == "status":
            return status_label(value)
        if key in ("due_date", "next_step_date"):
            return date_format(date.fromisoformat(value))
        if key == "tags":
            return ", ".join(value)
        if key == "blocks_card":
            return _("yes") if value else _("no")
        if key == "kind":
            return kind_label(value)
        if key == "title":
            return _quoted(value)
        return str(value)

    def _annotation(self, entry: Entry, kind: str, payload: dict[str, Any]) -> None:
        state = payload.get("annotation") or {}
        what = kind_label(state.get("kind", ""))
        after = payload.get("after") or {}
        if kind == names.ANNOTATION_RAISED:
            entry.summary = _("%(kind)s raised", kind=what)
            entry.details = [
                f"{field_label(key)}: {self._value(key, after.get(key))}"
                for key in ("severity", "category_id", "department_id")
            ]
            if after.get("blocks_card"):
                entry.details.append(_("Blocks the measure"))
            entry.quote = excerpt(after.get("text", ""), QUOTE_CHARS)
        elif kind == names.ANNOTATION_NOTED:
            entry.summary = _("Note added (%(kind)s)", kind=what)
            entry.quote = excerpt((payload.get("note") or {}).get("text", ""), QUOTE_CHARS)
        elif kind == names.ANNOTATION_RESOLVED:
            entry.summary = _("%(kind)s resolved", kind=what)
            entry.quote = excerpt(after.get("resolution", ""), QUOTE_CHARS)
        elif kind == names.ANNOTATION_WITHDRAWN:
            entry.summary = _("%(kind)s withdrawn", kind=what)
            entry.quote = excerpt(after.get("withdrawal_reason", ""), QUOTE_CHARS)
        elif kind == names.ANNOTATION_REOPENED:
            entry.summary = _("%(kind)s reopened", kind=what)
        elif kind == names.ANNOTATION_DISCUSSING:
            entry.summary = _("%(kind)s taken up for discussion", kind=what)
        else:
            entry.summary = _("%(kind)s edited", kind=what)
            entry.details = self._annotation_fields(payload)

    def _annotation_fields(self, payload: dict[str, Any]) -> list[str]:
        before, after = payload.get("before") or {}, payload.get("after") or {}
        details = []
        for key in after:
            if key == "text":
                details.append(_("Text changed"))
            elif key == "next_step":
                details.append(f"{field_label(key)}: {after[key] or NOTHING}")
            elif key in ANNOTATION_FIELDS:
                details.append(self._change(key, before.get(key), after[key]))
        return details


def _names(session: Session, statement: Any) -> dict[int, str]:
    return {row_id: name for row_id, name in session.exec(statement)}


def _quoted(text: str) -> str:
    return _("“%(text)s”", text=text)
