"""A Lotsentreffen as it is held: the agenda's points in order, meeting mode, minutes entries.

Points are addressed by a key that stays the same whether the point is stored yet or not:
`t<id>` a topic, `d<department id>` (`d0`: no department) what the log shows for a department,
`c<id>` a topic carried over from the meeting before (by its id there), `a` the open action
items of earlier meetings. Until the agenda is first arranged or the meeting begins, the
generated points follow the log; once it begins they are stored and the period is fixed.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app import clock
from app.accounts.access import Forbidden, Principal
from app.accounts.models import Role, User
from app.annotations import service as annotations
from app.annotations.models import OPEN_STATUSES, Annotation, AnnotationUpdate
from app.boards.models import Board
from app.boards.service import list_phases, lock_board
from app.cards import service as cards
from app.cards.models import Card, CardCreate
from app.db import ident
from app.errors import Conflict, InvalidInput, NotFound
from app.events import names
from app.events import service as events
from app.meetings import agenda as log_agenda
from app.meetings import service
from app.meetings.models import (
    AgendaItem,
    AgendaItemRead,
    EntryKind,
    ItemKind,
    MeetingEntry,
    MeetingRun,
    RunState,
)
from app.meetings.service import Occurrence
from app.people.models import Lotse
from app.web.i18n import gettext as _

# How long before its time a Lotsentreffen may be begun.
EARLY_START = timedelta(hours=2)
NO_DEPARTMENT = 0


@dataclass
class Point:
    """One point of the agenda as the meeting takes it."""

    key: str
    item: AgendaItem  # not yet stored (id None) while it only follows the log
    merged: list[AgendaItem] = field(default_factory=list)
    part: log_agenda.DepartmentAgenda | None = None  # what the log shows for a department
    actions: list[MeetingEntry] = field(default_factory=list)  # for the open action items
    entries: list[MeetingEntry] = field(default_factory=list)  # notes, decisions, actions

    @property
    def title(self) -> str:
        if self.item.kind == ItemKind.actions:
            return _("Open action items")
        if self.item.kind == ItemKind.department and self.item.department_id is None:
            return _("No department")
        return self.item.title

    @property
    def card_ids(self) -> list[int]:
        """The measures this point is about, the most pressing first (shown enlarged on the
        screen): its own, those with open concerns and resistances, blocked ones, new ones."""
        found = [i.card_id for i in [self.item, *self.merged] if i.card_id is not None]
        if self.part is not None:
            for item in self.part.still_open + self.part.raised:
                found.append(item.measure.card_id)
            found += [b.measure.card_id for b in self.part.blocked]
            found += [m.card_id for m in self.part.new if not m.archived]
        return list(dict.fromkeys(found))


@dataclass
class Plan:
    """A Lotsentreffen's agenda and how far the meeting has got."""

    board: Board
    meeting: Occurrence
    run: MeetingRun | None
    agenda: log_agenda.Agenda
    points: list[Point]

    @property
    def state(self) -> RunState:
        return self.run.state if self.run is not None else RunState.planned

    @property
    def begun(self) -> bool:
        return self.state != RunState.planned

    @property
    def arrangeable(self) -> bool:
        """Until it begins (or is over without having been held in meeting mode)."""
        return not self.begun and not self.meeting.cancelled and clock.now() < self.meeting.ends_at

    @property
    def current(self) -> Point | None:
        if self.run is None or self.run.current_item_id is None:
            return None
        return next((p for p in self.points if p.item.id == self.run.current_item_id), None)

    def point(self, key: str) -> Point:
        for found in self.points:
            if found.key == key:
                return found
        raise NotFound("agenda item", key)

    def neighbour(self, step: int) -> Point | None:
        """The point before (-1) or after (+1) the current one."""
        current = self.current
        if current is None:
            return self.points[0] if self.points and step > 0 else None
        index = self.points.index(current) + step
        return self.points[index] if 0 <= index < len(self.points) else None

    @property
    def planned_minutes(self) -> int:
        return sum(p.item.minutes or 0 for p in self.points)


def get_run(session: Session, *, board_id: int, day: date) -> MeetingRun | None:
    return session.exec(
        select(MeetingRun).where(MeetingRun.board_id == board_id, MeetingRun.day == day)
    ).first()


def runs(session: Session, *, board_id: int) -> list[MeetingRun]:
    """Every Lotsentreffen of this board held (or being held) in meeting mode."""
    return list(session.exec(select(MeetingRun).where(MeetingRun.board_id == board_id)))


def running(session: Session, *, board_id: int) -> MeetingRun | None:
    """The Lotsentreffen of this board being held right now, if any."""
    return session.exec(
        select(MeetingRun).where(
            MeetingRun.board_id == board_id, MeetingRun.state == RunState.running
        )
    ).first()


def key_of(item: AgendaItem) -> str:
    if item.kind == ItemKind.department:
        return f"d{item.department_id or NO_DEPARTMENT}"
    if item.kind == ItemKind.carried:
        return f"c{item.carried_from_id}"
    if item.kind == ItemKind.actions:
        return "a"
    return f"t{item.id}"


def plan(session: Session, *, board: Board, day: date) -> Plan:
    """The agenda's points in order: the stored ones, then those that only follow the log."""
    assert board.id is not None
    meeting = service.find(session, board_id=board.id, day=day)
    run = get_run(session, board_id=board.id, day=day)
    end = run.period_end if run is not None and run.period_end is not None else None
    agenda = log_agenda.build(session, board=board, meeting=meeting, end=end)
    stored = list(
        session.exec(
            select(AgendaItem)
            .where(AgendaItem.board_id == board.id, AgendaItem.day == day)
            .order_by(col(AgendaItem.position), col(AgendaItem.id))
        )
    )
    keys = {key_of(item) for item in stored}
    begun = run is not None and run.state != RunState.planned
    generated: list[AgendaItem] = []
    if not begun:
        generated = [
            g for g in _generated(session, board, meeting, agenda) if key_of(g) not in keys
        ]
    shown = [i for i in stored if not i.removed and i.merged_into_id is None]
    # Open action items and topics carried over come first, departments last.
    top = max((i.position for i in stored), default=0)
    for index, item in enumerate(generated, start=1):
        early = item.kind in (ItemKind.actions, ItemKind.carried)
        item.position = (-1000 if early else top) + 10 * index
    generated.sort(key=lambda item: item.position)
    shown = sorted([*shown, *generated], key=lambda item: (item.position, item.id or 0))
    parts = {(p.department.id if p.department else NO_DEPARTMENT): p for p in agenda.departments}
    open_actions = _open_actions(session, board.id, day)
    entries = _entries(session, board.id, day)
    points = []
    for item in shown:
        point = Point(key_of(item), item)
        point.merged = [i for i in stored if i.merged_into_id == item.id and not i.removed]
        if item.kind == ItemKind.department:
            point.part = parts.get(item.department_id or NO_DEPARTMENT)
        if item.kind == ItemKind.actions:
            point.actions = open_actions
        point.entries = [e for e in entries if e.item_id == item.id]
        points.append(point)
    return Plan(board, meeting, run, agenda, points)


def _generated(
    session: Session, board: Board, meeting: Occurrence, agenda: log_agenda.Agenda
) -> list[AgendaItem]:
    """The points the log and the meeting before give: open action items, topics not
    reached last time, one point per department with something to report."""
    assert board.id is not None

    board_id = board.id

    def made(kind: ItemKind, title: str, **values: Any) -> AgendaItem:
        values.setdefault("proposed_by", "")
        return AgendaItem(board_id=board_id, day=meeting.day, kind=kind, title=title, **values)

    found = []
    if _open_actions(session, board.id, meeting.day):
        found.append(made(ItemKind.actions, "Offene Aufgaben"))
    for earlier in _not_reached(session, board.id, meeting):
        found.append(
            made(
                ItemKind.carried,
                earlier.title,
                card_id=earlier.card_id,
                department_id=earlier.department_id,
                carried_from_id=earlier.id,
                proposed_by=earlier.proposed_by,
            )
        )
    for part in agenda.departments:
        if part.empty:
            continue
        department = part.department
        title = department.name if department else "Ohne Fachbereich"
        found.append(
            made(ItemKind.department, title, department_id=department.id if department else None)
        )
    return found


def _not_reached(session: Session, board_id: int, meeting: Occurrence) -> list[AgendaItem]:
    """Topics of the meeting before (held and closed) that it did not get to."""
    before = service.previous(session, meeting, within=log_agenda.LOOK_BACK)
    if before is None:
        return []
    run = get_run(session, board_id=board_id, day=before.day)
    if run is None or run.state != RunState.closed:
        return []
    return list(
        session.exec(
            select(AgendaItem)
            .where(AgendaItem.board_id == board_id, AgendaItem.day == before.day)
            .where(col(AgendaItem.kind).in_([ItemKind.topic, ItemKind.carried]))
            .where(col(AgendaItem.removed).is_(False), col(AgendaItem.reached).is_(False))
            .where(col(AgendaItem.merged_into_id).is_(None))
            .order_by(col(AgendaItem.position), col(AgendaItem.id))
        )
    )


def _open_actions(session: Session, board_id: int, day: date) -> list[MeetingEntry]:
    """Action items of earlier meetings not yet done, the oldest first."""
    return list(
        session.exec(
            select(MeetingEntry)
            .where(MeetingEntry.board_id == board_id, col(MeetingEntry.day) < day)
            .where(MeetingEntry.kind == EntryKind.action, col(MeetingEntry.done).is_(False))
            .where(col(MeetingEntry.superseded).is_(False), col(MeetingEntry.removed).is_(False))
            .order_by(col(MeetingEntry.due_date), col(MeetingEntry.id))
        )
    )


def _entries(session: Session, board_id: int, day: date) -> list[MeetingEntry]:
    return list(
        session.exec(
            select(MeetingEntry)
            .where(MeetingEntry.board_id == board_id, MeetingEntry.day == day)
            .where(col(MeetingEntry.superseded).is_(False), col(MeetingEntry.removed).is_(False))
            .order_by(col(MeetingEntry.id))
        )
    )


def _stored(session: Session, board: Board, day: date) -> Plan:
    """The plan with every point stored (the generated ones get their place now)."""
    found = plan(session, board=board, day=day)
    for point in found.points:
        if point.item.id is None:
            session.add(point.item)
    session.flush()
    return found


def _run(session: Session, board_id: int, day: date) -> MeetingRun:
    run = get_run(session, board_id=board_id, day=day)
    if run is None:
        run = MeetingRun(board_id=board_id, day=day)
        session.add(run)
        session.flush()
    return run


def _log(
    session: Session,
    board_id: int,
    kind: str,
    actor: str,
    day: date,
    card_id: int | None = None,
    **payload: Any,
) -> None:
    events.append(
        session,
        board_id=board_id,
        type=kind,
        actor=actor,
        card_id=card_id,
        payload={"day": day.isoformat(), **payload},
    )
    events.commit(session)


def _item_json(item: AgendaItem) -> dict[str, Any]:
    return AgendaItemRead.model_validate(item).model_dump(mode="json")


# --- arranging the agenda before the meeting -------------------------------------------------


def _arrangeable(session: Session, board: Board, day: date) -> Plan:
    assert board.id is not None
    lock_board(session, board.id)
    found = _stored(session, board, day)
    if found.meeting.cancelled:
        raise Conflict("this Lotsentreffen is cancelled", field="day")
    if not found.arrangeable:
        raise Conflict("this Lotsentreffen has begun; its agenda is fixed", field="day")
    return found


def arrange(session: Session, *, board: Board, day: date, order: list[str], actor: str) -> Plan:
    """Put the points in this order (every point's key, each once)."""
    found = _arrangeable(session, board, day)
    keys = [p.key for p in found.points]
    if sorted(order) != sorted(keys):
        raise InvalidInput("order", "name every point of the agenda once")
    for index, key in enumerate(order, start=1):
        found.point(key).item.position = 10 * index
        session.add(found.point(key).item)
    _log(session, ident(board), names.MEETING_ARRANGED, actor, day, order=order)
    return plan(session, board=board, day=day)


def move(session: Session, *, board: Board, day: date, key: str, step: int, actor: str) -> Plan:
    """One place up (-1) or down (+1)."""
    keys = [p.key for p in plan(session, board=board, day=day).points]
    if key not in keys:
        raise NotFound("agenda item", key)
    index = keys.index(key)
    target = min(max(index + step, 0), len(keys) - 1)
    keys.insert(target, keys.pop(index))
    return arrange(session, board=board, day=day, order=keys, actor=actor)


def timebox(
    session: Session, *, board: Board, day: date, key: str, minutes: int | None, actor: str
) -> AgendaItem:
    found = _arrangeable(session, board, day)
    item = found.point(key).item
    item.minutes = minutes
    session.add(item)
    _log(session, ident(board), names.MEETING_ARRANGED, actor, day, item=_item_json(item))
    return item


def merge(
    session: Session, *, board: Board, day: date, key: str, into: str, actor: str
) -> AgendaItem:
    """Take one point into another: it is talked about there (its measure too)."""
    found = _arrangeable(session, board, day)
    if key == into:
        raise InvalidInput("into", "choose another point to merge into")
    item, target = found.point(key).item, found.point(into).item
    item.merged_into_id = target.id
    for already in found.point(key).merged:
        already.merged_into_id = target.id
        session.add(already)
    if target.minutes is not None and item.minutes is not None:
        target.minutes += item.minutes
    session.add_all([item, target])
    _log(
        session,
        ident(board),
        names.MEETING_ARRANGED,
        actor,
        day,
        card_id=item.card_id,
        merged=_item_json(item),
        into=_item_json(target),
    )
    return target


def drop(session: Session, *, board: Board, day: date, key: str, actor: str) -> None:
    """Take a point off the agenda (a topic's proposer sees it in the log)."""
    found = _arrangeable(session, board, day)
    item = found.point(key).item
    item.removed = True
    session.add(item)
    kind = names.MEETING_ITEM_REMOVED if item.kind == ItemKind.topic else names.MEETING_ARRANGED
    _log(session, ident(board), kind, actor, day, card_id=item.card_id, item=_item_json(item))


def set_moderator(
    session: Session, *, board: Board, day: date, user_id: int | None, actor: str
) -> MeetingRun:
    """Who besides the admins runs this Lotsentreffen (a lotse's account)."""
    board_id = ident(board)
    lock_board(session, board_id)
    service.find(session, board_id=board_id, day=day)
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None or not user.active or user.role == Role.viewer:
            raise InvalidInput("moderator_id", "choose an active lotse or admin")
    run = _run(session, board_id, day)
    if run.state == RunState.closed:
        raise Conflict("this Lotsentreffen is closed", field="day")
    run.moderator_id = user_id
    run.version += 1
    session.add(run)
    _log(session, board_id, names.MEETING_MODERATOR_SET, actor, day, moderator_id=user_id)
    return run


def may_run(session: Session, principal: Principal, *, board_id: int, day: date) -> bool:
    if principal.is_admin:
        return True
    run = get_run(session, board_id=board_id, day=day)
    return (
        principal.can_edit
        and run is not None
        and run.moderator_id is not None
        and run.moderator_id == principal.user_id
    )


def check_runner(session: Session, principal: Principal, *, board_id: int, day: date) -> None:
    if not may_run(session, principal, board_id=board_id, day=day):
        raise Forbidden("only admins and this meeting's moderator run the Lotsentreffen")


# --- meeting mode ----------------------------------------------------------------------------


def _seen(run: MeetingRun, version: int) -> None:
    if version != run.version:
        raise Conflict(
            "the meeting moved on meanwhile; reload and try again",
            field="version",
            current={"version": run.version, "current_item_id": run.current_item_id},
        )


def start(session: Session, *, board: Board, day: date, actor: str) -> Plan:
    """Begin the Lotsentreffen: the agenda is fixed, the screen follows the first point."""
    board_id = ident(board)
    lock_board(session, board_id)
    meeting = service.find(session, board_id=board_id, day=day)
    now = clock.now()
    if meeting.cancelled:
        raise Conflict("this Lotsentreffen is cancelled", field="day")
    if now < meeting.starts_at - EARLY_START:
        raise Conflict("this Lotsentreffen can be begun two hours before its time", field="day")
    other = running(session, board_id=board_id)
    if other is not None and other.day != day:
        raise Conflict("another Lotsentreffen of this board is being held", field="day")
    run = _run(session, board_id, day)
    if run.state != RunState.planned:
        raise Conflict("this Lotsentreffen has begun already", field="day")
    run.period_end = min(now, meeting.starts_at)
    session.add(run)
    session.flush()
    found = _stored(session, board, day)
    run.state = RunState.running
    run.started_at = now
    run.started_by = actor
    if found.points:
        first = found.points[0].item
        first.reached = True
        run.current_item_id = first.id
        session.add(first)
    run.version += 1
    session.add(run)
    _log(session, board_id, names.MEETING_STARTED, actor, day, points=len(found.points))
    return plan(session, board=board, day=day)


def _held(session: Session, board: Board, day: date, *, closed_too: bool = False) -> MeetingRun:
    board_id = ident(board)
    lock_board(session, board_id)
    service.find(session, board_id=board_id, day=day)
    run = get_run(session, board_id=board_id, day=day)
    allowed = (RunState.running, RunState.closed) if closed_too else (RunState.running,)
    if run is None or run.state not in allowed:
        if run is not None and run.state == RunState.closed:
            raise Conflict("this Lotsentreffen is closed", field="day")
        raise Conflict("this Lotsentreffen has not begun", field="day")
    return run


def step(
    session: Session, *, board: Board, day: date, key: str, version: int, actor: str
) -> MeetingRun:
    """Show this point (next, previous or any other), naming the version seen."""
    run = _held(session, board, day)
    _seen(run, version)
    point = plan(session, board=board, day=day).point(key)
    point.item.reached = True
    run.current_item_id = point.item.id
    run.version += 1
    session.add_all([run, point.item])
    _log(
        session,
        ident(board),
        names.MEETING_STEPPED,
        actor,
        day,
        key=key,
        title=point.title,
        card_ids=point.card_ids,
    )
    return run


def close(session: Session, *, board: Board, day: date, version: int, actor: str) -> MeetingRun:
    """End the meeting: the minutes are final (version 1); points not reached carry over."""
    run = _held(session, board, day)
    _seen(run, version)
    run.state = RunState.closed
    run.closed_at = clock.now()
    run.closed_by = actor
    run.current_item_id = None
    run.minutes_version = 1
    run.version += 1
    session.add(run)
    _log(session, ident(board), names.MEETING_CLOSED, actor, day)
    return run


def _correction(run: MeetingRun) -> int:
    """The minutes version a change makes: after closing, each change is a new version."""
    if run.state == RunState.closed:
        run.minutes_version += 1
        run.version += 1
    return run.minutes_version


def attend(
    session: Session, *, board: Board, day: date, lotse_id: int, present: bool, actor: str
) -> MeetingRun:
    """Tick a lotse present (or not); after closing this corrects the minutes."""
    run = _held(session, board, day, closed_too=True)
    lotse = session.get(Lotse, lotse_id)
    if lotse is None:
        raise InvalidInput("lotse_id", "number %(id)s does not exist", id=lotse_id)
    ticked = set(run.present)
    if present == (lotse_id in ticked):
        return run
    ticked = ticked | {lotse_id} if present else ticked - {lotse_id}
    run.present = sorted(ticked)
    minutes = _correction(run)
    session.add(run)
    _log(
        session,
        ident(board),
        names.MEETING_ATTENDANCE,
        actor,
        day,
        lotse_id=lotse_id,
        present=present,
        minutes_version=minutes,
    )
    return run


def _entry_json(entry: MeetingEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "item_id": entry.item_id,
        "kind": str(entry.kind),
        "text": entry.text,
        "lotse_id": entry.lotse_id,
        "due_date": entry.due_date.isoformat() if entry.due_date else None,
        "done": entry.done,
    }


def _check_entry(session: Session, kind: EntryKind, lotse_id: int | None, due: Any) -> None:
    if kind == EntryKind.action:
        if lotse_id is None:
            raise InvalidInput("lotse_id", "an action item needs a lotse")
        if due is None:
            raise InvalidInput("due_date", "an action item needs a date")
        lotse = session.get(Lotse, lotse_id)
        if lotse is None or not lotse.active:
            raise InvalidInput("lotse_id", "number %(id)s does not exist", id=lotse_id)
    elif lotse_id is not None or due is not None:
        raise InvalidInput("lotse_id", "only action items name a lotse and a date")


def may_record(kind: EntryKind, *, runner: bool) -> bool:
    """Lotsen take notes; decisions and action items are the moderator's."""
    return runner or kind == EntryKind.note


def add_entry(
    session: Session,
    *,
    board: Board,
    day: date,
    key: str,
    kind: EntryKind,
    text: str,
    lotse_id: int | None,
    due_date: date | None,
    actor: str,
) -> MeetingEntry:
    """A note, decision or action item on a point; on a point about a measure it is an event of
    that measure too (its Verlauf)."""
    run = _held(session, board, day, closed_too=True)
    _check_entry(session, kind, lotse_id, due_date)
    point = plan(session, board=board, day=day).point(key)
    minutes = _correction(run) if run.state == RunState.closed else 0
    entry = MeetingEntry(
        board_id=ident(board),
        day=day,
        item_id=ident(point.item),
        kind=kind,
        text=text,
        lotse_id=lotse_id,
        due_date=due_date,
        card_id=point.item.card_id,
        author=actor,
        minutes_version=minutes,
    )
    session.add_all([entry, run])
    session.flush()
    _log(
        session,
        ident(board),
        names.MEETING_ENTRY_ADDED,
        actor,
        day,
        card_id=entry.card_id,
        entry=_entry_json(entry),
        title=point.title,
        minutes_version=minutes,
    )
    return entry


def entry_of(session: Session, *, board: Board, entry_id: int) -> MeetingEntry:
    """An entry of this board's minutes that stands (not corrected or taken out)."""
    return _entry(session, board, entry_id)


def _entry(session: Session, board: Board, entry_id: int) -> MeetingEntry:
    entry = session.get(MeetingEntry, entry_id)
    if entry is None or entry.board_id != board.id or entry.superseded or entry.removed:
        raise NotFound("entry", entry_id)
    return entry


def correct_entry(
    session: Session,
    *,
    board: Board,
    entry_id: int,
    text: str,
    lotse_id: int | None,
    due_date: date | None,
    actor: str,
) -> MeetingEntry:
    """Replace an entry's wording; the old one is kept, and after closing the minutes get a
    new version."""
    entry = _entry(session, board, entry_id)
    run = _held(session, board, entry.day, closed_too=True)
    _check_entry(session, entry.kind, lotse_id, due_date)
    minutes = _correction(run)
    replacement = MeetingEntry(
        board_id=entry.board_id,
        day=entry.day,
        item_id=entry.item_id,
        kind=entry.kind,
        text=text,
        lotse_id=lotse_id,
        due_date=due_date,
        card_id=entry.card_id,
        result_card_id=entry.result_card_id,
        result_annotation_id=entry.result_annotation_id,
        done=entry.done,
        author=actor,
        replaces_id=entry.id,
        minutes_version=minutes,
    )
    entry.superseded = True
    session.add_all([entry, replacement, run])
    session.flush()
    _log(
        session,
        ident(board),
        names.MEETING_ENTRY_CORRECTED,
        actor,
        entry.day,
        card_id=entry.card_id,
        before=_entry_json(entry),
        entry=_entry_json(replacement),
        minutes_version=minutes,
    )
    return replacement


def remove_entry(session: Session, *, board: Board, entry_id: int, actor: str) -> None:
    entry = _entry(session, board, entry_id)
    run = _held(session, board, entry.day, closed_too=True)
    minutes = _correction(run)
    entry.removed = True
    session.add_all([entry, run])
    _log(
        session,
        ident(board),
        names.MEETING_ENTRY_REMOVED,
        actor,
        entry.day,
        card_id=entry.card_id,
        entry=_entry_json(entry),
        minutes_version=minutes,
    )


def _action(session: Session, board: Board, entry_id: int) -> MeetingEntry:
    entry = _entry(session, board, entry_id)
    if entry.kind != EntryKind.action:
        raise InvalidInput("entry_id", "only an action item can be taken on")
    if entry.result_card_id is not None or entry.result_annotation_id is not None:
        raise Conflict("this action item has been taken on already", field="entry_id")
    return entry


def action_to_card(
    session: Session, *, board: Board, entry_id: int, phase_id: int | None, actor: str
) -> Card:
    """The action item becomes a new measure (its lotse, its date, the point's department)."""
    board_id = ident(board)
    with events.one_transaction(session):
        lock_board(session, board_id)
        entry = _action(session, board, entry_id)
        item = session.get(AgendaItem, entry.item_id)
        phases = list_phases(session, board_id=board_id)
        if phase_id is None:
            phase_id = phases[0].id if phases else None
        if phase_id is None or phase_id not in {p.id for p in phases}:
            raise InvalidInput("phase_id", "number %(id)s does not exist", id=phase_id)
        card = cards.create_card(
            session,
            board_id=board_id,
            data=CardCreate(
                title=entry.text.splitlines()[0][:200] or entry.text[:200],
                phase_id=phase_id,
                description=entry.text,
                department_id=item.department_id if item else None,
                lotse_id=entry.lotse_id,
                due_date=entry.due_date,
            ),
            actor=actor,
        )
        entry.result_card_id = card.id
        _taken(session, entry, actor, card_id=ident(card), card_id_created=card.id)
    return card


def action_to_next_step(
    session: Session, *, board: Board, entry_id: int, annotation_id: int, actor: str
) -> Annotation:
    """The action item becomes an open concern's or resistance's next step."""
    board_id = ident(board)
    with events.one_transaction(session):
        lock_board(session, board_id)
        entry = _action(session, board, entry_id)
        annotation = session.get(Annotation, annotation_id)
        card = session.get(Card, annotation.card_id) if annotation else None
        if annotation is None or card is None or card.board_id != board_id:
            raise InvalidInput("annotation_id", "number %(id)s does not exist", id=annotation_id)
        if annotation.status not in OPEN_STATUSES:
            raise Conflict("this concern or resistance is closed", field="annotation_id")
        step = (entry.text[:500], entry.lotse_id, entry.due_date)
        if step != (annotation.next_step, annotation.next_step_lotse_id, annotation.next_step_date):
            annotations.update_annotation(
                session,
                annotation_id=annotation_id,
                data=AnnotationUpdate(
                    version=annotation.version,
                    next_step=step[0],
                    next_step_lotse_id=step[1],
                    next_step_date=step[2],
                ),
                actor=actor,
            )
        entry.result_annotation_id = annotation_id
        _taken(session, entry, actor, card_id=ident(card), annotation_id=annotation_id)
    return annotation


def _taken(session: Session, entry: MeetingEntry, actor: str, *, card_id: int, **what: Any) -> None:
    """An action item taken on: an event of the measure it became or concerns."""
    session.add(entry)
    _log(
        session,
        entry.board_id,
        names.MEETING_ACTION_TAKEN,
        actor,
        entry.day,
        card_id=card_id,
        entry=_entry_json(entry),
        **what,
    )


def action_done(
    session: Session, *, board: Board, entry_id: int, done: bool, actor: str
) -> MeetingEntry:
    """Tick an action item done (or open again); open ones come to the next meeting."""
    board_id = ident(board)
    lock_board(session, board_id)
    entry = _entry(session, board, entry_id)
    if entry.kind != EntryKind.action:
        raise InvalidInput("entry_id", "only an action item can be done")
    entry.done = done
    session.add(entry)
    _log(
        session,
        board_id,
        names.MEETING_ACTION_TAKEN,
        actor,
        entry.day,
        card_id=entry.card_id,
        entry=_entry_json(entry),
    )
    return entry
