"""The agenda of a Lotsentreffen, read off the board's event log since the meeting before.

Per department: measures new, moved (the phases they passed, in order), done; concerns and
resistances raised, still open (oldest first) and resolved; cards blocked and since when; cards
stuck (no event for the board's number of days); moves past a WIP limit. Nothing is counted
along the way: the same log gives the same agenda whenever it is asked.

Rules: the period runs from the start of the previous Lotsentreffen that was not cancelled (or
14 days before the first one) to the start of this one. A measure counts for the department it
has now; a concern or resistance for the department it had at the moment in question.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import clock
from app.annotations import figures
from app.annotations.models import OPEN_STATUSES, Annotation, AnnotationKind
from app.annotations.texts import kind_label, severity_label
from app.boards.models import Board
from app.boards.service import list_phases
from app.cards.models import Card
from app.events import names
from app.events.models import Event
from app.meetings import service
from app.meetings.models import AgendaItem, AgendaItemRead
from app.meetings.service import Occurrence
from app.people.models import Department
from app.web.i18n import (
    date_format,
    datetime_format,
    duration_format,
    ngettext,
    when_format,
)
from app.web.i18n import gettext as _

FIRST_PERIOD = timedelta(days=14)
LOOK_BACK = timedelta(days=400)


@dataclass(frozen=True)
class Measure:
    card_id: int
    title: str
    archived: bool = False


@dataclass(frozen=True)
class Moved:
    measure: Measure
    path: list[str]  # the phases passed, first the one it was in


@dataclass(frozen=True)
class Item:
    """A concern or resistance as the agenda names it."""

    annotation_id: int
    kind: AnnotationKind
    text: str
    measure: Measure
    severity: str
    raised_at: datetime
    blocks: bool

    def age(self, at: datetime) -> timedelta:
        return at - self.raised_at


@dataclass(frozen=True)
class Blocked:
    measure: Measure
    since: datetime
    lasting: timedelta


@dataclass(frozen=True)
class Stuck:
    measure: Measure
    phase: str
    quiet_since: datetime


@dataclass(frozen=True)
class Breach:
    measure: Measure
    phase: str
    at: datetime


@dataclass
class DepartmentAgenda:
    department: Department | None
    new: list[Measure] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    done: list[Measure] = field(default_factory=list)
    raised: list[Item] = field(default_factory=list)
    still_open: list[Item] = field(default_factory=list)
    resolved: list[Item] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    stuck: list[Stuck] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (self.new, self.moved, self.done, self.raised, self.still_open, self.resolved,
             self.blocked, self.stuck, self.breaches)
        )  # fmt: skip


@dataclass
class Agenda:
    board: Board
    meeting: Occurrence
    start: datetime
    end: datetime
    first: bool  # no Lotsentreffen before: the last 14 days
    stuck_after_days: int
    departments: list[DepartmentAgenda]
    items: list[AgendaItem] = field(default_factory=list)  # brought beforehand

    @property
    def empty(self) -> bool:
        return not self.items and all(part.empty for part in self.departments)

    @property
    def begun(self) -> bool:
        return self.meeting.starts_at <= clock.now()


def period(session: Session, meeting: Occurrence) -> tuple[datetime, bool]:
    """Where this meeting's period starts, and whether it is the first meeting."""
    before = service.previous(session, meeting, within=LOOK_BACK)
    if before is not None:
        return before.starts_at, False
    return meeting.starts_at - FIRST_PERIOD, True


def build(
    session: Session, *, board: Board, meeting: Occurrence, end: datetime | None = None
) -> Agenda:
    """`end`: where the period ends when not at the meeting's time (it was begun early)."""
    assert board.id is not None
    start, first = period(session, meeting)
    end = end or meeting.starts_at
    ordered = report(session, board=board, start=start, end=end)
    brought = service.list_items(session, board_id=board.id, day=meeting.day)
    return Agenda(board, meeting, start, end, first, board.stuck_after_days, ordered, brought)


def report(
    session: Session, *, board: Board, start: datetime, end: datetime
) -> list[DepartmentAgenda]:
    """What the log shows for [start, end), per department that has something to show,
    departments by name, measures without a department last. Also the weekly digest's."""
    assert board.id is not None
    phases = {p.id: p for p in list_phases(session, board_id=board.id)}
    cards = {c.id: c for c in session.exec(select(Card).where(Card.board_id == board.id)).all()}
    logged = list(
        session.exec(
            select(Event)
            .where(Event.board_id == board.id, col(Event.created_at) < end)
            .where(col(Event.created_at) >= start)
            .order_by(col(Event.seq))
        )
    )
    parts: dict[int | None, DepartmentAgenda] = {}

    def part(department_id: int | None) -> DepartmentAgenda:
        if department_id not in parts:
            found = session.get(Department, department_id) if department_id else None
            parts[department_id] = DepartmentAgenda(found)
        return parts[department_id]

    def measure(card_id: int) -> Measure:
        card = cards.get(card_id)
        if card is None:
            return Measure(card_id, f"#{card_id}")
        return Measure(card_id, card.title, card.archived)

    def phase_name(phase_id: Any) -> str:
        phase = phases.get(phase_id)
        return phase.name if phase is not None else "–"

    def department_of(card_id: int) -> int | None:
        card = cards.get(card_id)
        return card.department_id if card is not None else None

    paths: dict[int, list[str]] = {}
    done: set[int] = set()
    for event in logged:
        payload = event.payload or {}
        card_id = event.card_id
        if card_id is None:
            continue
        after = payload.get("after") or {}
        if event.type == names.CARD_CREATED:
            part(department_of(card_id)).new.append(measure(card_id))
        if event.type == names.CARD_MOVED:
            before = payload.get("before") or {}
            if before.get("phase_id") != after.get("phase_id"):
                path = paths.setdefault(card_id, [phase_name(before.get("phase_id"))])
                path.append(phase_name(after.get("phase_id")))
        if event.type in (names.CARD_CREATED, names.CARD_MOVED):
            target = phases.get(after.get("phase_id"))
            if target is not None and target.is_done and card_id not in done:
                done.add(card_id)
                part(department_of(card_id)).done.append(measure(card_id))
            if payload.get("wip_exceeded"):
                breach = Breach(
                    measure(card_id), phase_name(after.get("phase_id")), event.created_at
                )
                part(department_of(card_id)).breaches.append(breach)
    for card_id, path in paths.items():
        part(department_of(card_id)).moved.append(Moved(measure(card_id), path))

    log = figures.load(session, board_id=board.id)
    # The log keeps each annotation's state; its text is read as it is now.
    texts = dict(
        session.execute(
            select(Annotation.id, Annotation.text)
            .join(Card, col(Card.id) == col(Annotation.card_id))
            .where(Card.board_id == board.id)
        ).all()
    )
    items = _items(log, measure, texts)
    for event in log.events:
        if not start <= event.created_at < end:
            continue
        state = (event.payload or {}).get("annotation") or {}
        item = items.get(int(state.get("id") or 0))
        if item is None:
            continue
        if event.type == names.ANNOTATION_RAISED:
            part(state.get("department_id")).raised.append(item)
        elif event.type == names.ANNOTATION_RESOLVED:
            part(state.get("department_id")).resolved.append(item)
    open_now = [s for s in log.spans if s.is_open and s.covers(end - timedelta(microseconds=1))]
    for span in sorted(open_now, key=lambda s: items[s.annotation_id].raised_at):
        if not items[span.annotation_id].measure.archived:
            part(span.state.get("department_id")).still_open.append(items[span.annotation_id])
    for card_id, blocked in figures.blocked_times(log, now=end).items():
        card = cards.get(card_id)
        if blocked.since is not None and card is not None and not card.archived:
            block = Blocked(measure(card_id), blocked.since, blocked.current)
            part(card.department_id).blocked.append(block)

    quiet_before = end - timedelta(days=board.stuck_after_days)
    last_events = session.execute(
        select(Event.card_id, func.max(Event.created_at))
        .where(Event.board_id == board.id, col(Event.card_id).is_not(None))
        .where(col(Event.created_at) < end)
        .group_by(Event.card_id)  # type: ignore[arg-type]
    ).all()
    # The phase each card was in at the end of the period (it may have moved since).
    placed = session.execute(
        select(Event.card_id, Event.payload)
        .where(Event.board_id == board.id, col(Event.created_at) < end)
        .where(col(Event.type).in_([names.CARD_CREATED, names.CARD_MOVED]))
        .order_by(col(Event.seq))
    ).all()
    phase_then = {
        card_id: (payload or {}).get("after", {}).get("phase_id") for card_id, payload in placed
    }
    for card_id, last in last_events:
        card = cards.get(card_id)
        if card is None or card.archived or last > quiet_before:
            continue
        phase = phases.get(phase_then.get(card_id, card.phase_id))
        if phase is None or phase.is_done:
            continue
        part(card.department_id).stuck.append(Stuck(measure(card_id), phase.name, last))
    for entry in parts.values():
        entry.blocked.sort(key=lambda b: b.since)
        entry.stuck.sort(key=lambda s: s.quiet_since)
    return sorted(
        parts.values(),
        key=lambda p: (p.department is None, p.department.name if p.department else ""),
    )


def _items(log: figures.Log, measure: Any, texts: dict[Any, str]) -> dict[int, Item]:
    """Each annotation as it was when last seen, with the moment it was raised."""
    raised: dict[int, datetime] = {}
    last: dict[int, tuple[int, dict[str, Any]]] = {}
    for span in log.spans:
        raised.setdefault(span.annotation_id, span.start)
        raised[span.annotation_id] = min(raised[span.annotation_id], span.start)
        last[span.annotation_id] = (span.card_id, span.state)
    return {
        annotation_id: Item(
            annotation_id=annotation_id,
            kind=AnnotationKind(state.get("kind", "concern")),
            text=texts.get(annotation_id, ""),
            measure=measure(card_id),
            severity=str(state.get("severity", "")),
            raised_at=raised[annotation_id],
            blocks=bool(state.get("blocks_card")) and state.get("status") in OPEN_STATUSES,
        )
        for annotation_id, (card_id, state) in last.items()
    }


def for_day(session: Session, *, board: Board, day: Any) -> Agenda:
    assert board.id is not None
    return build(session, board=board, meeting=service.find(session, board_id=board.id, day=day))


def as_json(agenda: Agenda) -> dict[str, Any]:
    """The agenda for scripts: ids, titles and times, English keys."""

    def m(measure: Measure) -> dict[str, Any]:
        return {"card_id": measure.card_id, "title": measure.title, "archived": measure.archived}

    def i(item: Item) -> dict[str, Any]:
        return {
            "annotation_id": item.annotation_id,
            "kind": item.kind.value,
            "text": item.text,
            "severity": item.severity,
            "blocks_card": item.blocks,
            "raised_at": item.raised_at.isoformat(),
            "card": m(item.measure),
        }

    return {
        "meeting": agenda.meeting.read().model_dump(mode="json"),
        "period": {"start": agenda.start.isoformat(), "end": agenda.end.isoformat()},
        "first": agenda.first,
        "stuck_after_days": agenda.stuck_after_days,
        "items": [AgendaItemRead.model_validate(x).model_dump(mode="json") for x in agenda.items],
        "departments": [
            {
                "department_id": part.department.id if part.department else None,
                "department": part.department.name if part.department else None,
                "new": [m(x) for x in part.new],
                "moved": [{"card": m(x.measure), "path": x.path} for x in part.moved],
                "done": [m(x) for x in part.done],
                "raised": [i(x) for x in part.raised],
                "still_open": [i(x) for x in part.still_open],
                "resolved": [i(x) for x in part.resolved],
                "blocked": [
                    {"card": m(x.measure), "since": x.since.isoformat()} for x in part.blocked
                ],
                "stuck": [
                    {
                        "card": m(x.measure),
                        "phase": x.phase,
                        "last_change": x.quiet_since.isoformat(),
                    }
                    for x in part.stuck
                ],
                "wip_breaches": [
                    {"card": m(x.measure), "phase": x.phase, "at": x.at.isoformat()}
                    for x in part.breaches
                ],
            }
            for part in agenda.departments
            if not part.empty
        ],
    }


def as_markdown(agenda: Agenda, base_url: str) -> str:
    """The agenda as Markdown (for the CLI, to paste into an invitation), in the set language."""
    base = base_url.rstrip("/")
    start, end = datetime_format(agenda.start, "short"), datetime_format(agenda.end, "short")
    when = when_format(agenda.meeting.starts_at)
    if agenda.first:
        period_text = _(
            "The last 14 days, from %(start)s to %(end)s, from the activity log.",
            start=start,
            end=end,
        )
    else:
        period_text = _(
            "Since the previous Lotsentreffen, from %(start)s to %(end)s, from the activity log.",
            start=start,
            end=end,
        )
    lines = ["# " + _("Agenda of the Lotsentreffen on %(when)s", when=when), "", period_text]
    if agenda.items:
        lines += ["", f"## {_('Topics brought in')}", ""]
        for entry in agenda.items:
            about = f" ({base}/cards/{entry.card_id})" if entry.card_id else ""
            lines.append(f"- {entry.title}{about} – {entry.proposed_by}")
    if agenda.empty:
        lines += ["", _("Nothing has happened on this board in this period.")]
    for part in agenda.departments:
        if not part.empty:
            lines += department_markdown(
                part, base_url=base, end=agenda.end, stuck_after_days=agenda.stuck_after_days
            )
    return "\n".join(lines) + "\n"


def department_markdown(
    part: DepartmentAgenda, *, base_url: str, end: datetime, stuck_after_days: int, level: int = 2
) -> list[str]:
    """One department's report as Markdown lines, each measure linked (agenda and digest)."""
    base = base_url.rstrip("/")

    def link(measure: Measure) -> str:
        return f"[{measure.title}]({base}/cards/{measure.card_id})"

    def item(entry: Item, with_age: bool = False) -> str:
        notes = link(entry.measure)
        if with_age:
            days = entry.age(end).days
            notes += ", " + ngettext("open for %(num)s day", "open for %(num)s days", days)
        head = f"**{kind_label(entry.kind)}** · {severity_label(entry.severity)}"
        if entry.blocks:
            head += f" · {_('blocks the measure')}"
        first_line = entry.text.splitlines()[0] if entry.text else ""
        return f"- {head}: {first_line} ({notes})"

    def section(title: str, entries: list[str]) -> list[str]:
        return ["", f"{'#' * (level + 1)} {title} ({len(entries)})", *entries] if entries else []

    department = part.department
    name = f"{department.code} {department.name}" if department else _("No department")
    lines = ["", f"{'#' * level} {name}"]
    lines += section(_("New measures"), [f"- {link(m)}" for m in part.new])
    lines += section(_("Moved"), [f"- {link(x.measure)}: {' → '.join(x.path)}" for x in part.moved])
    lines += section(_("Done"), [f"- {link(m)}" for m in part.done])
    lines += section(_("Concerns and resistances raised"), [item(x) for x in part.raised])
    lines += section(_("Still open, oldest first"), [item(x, True) for x in part.still_open])
    lines += section(_("Resolved"), [item(x) for x in part.resolved])
    blocked = [
        f"- {link(b.measure)}: "
        + _(
            "blocked since %(date)s (%(duration)s)",
            date=datetime_format(b.since, "short"),
            duration=duration_format(b.lasting),
        )
        for b in part.blocked
    ]
    lines += section(_("Blocked"), blocked)
    stuck = [
        f"- {link(x.measure)}: "
        + _(
            "in %(phase)s, last change %(date)s",
            phase=x.phase,
            date=date_format(x.quiet_since, "medium"),
        )
        for x in part.stuck
    ]
    stuck_title = ngettext(
        "No change for %(num)s day or more",
        "No change for %(num)s days or more",
        stuck_after_days,
    )
    lines += section(stuck_title, stuck)
    breaches = [
        f"- {link(b.measure)}: "
        + _("into %(phase)s on %(date)s", phase=b.phase, date=datetime_format(b.at, "short"))
        for b in part.breaches
    ]
    lines += section(_("Over a WIP limit"), breaches)
    return lines
