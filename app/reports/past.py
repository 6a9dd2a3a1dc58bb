"""The board as it was at a moment, read from the event log: for "where were we last time"."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app import clock
from app.boards.models import Board
from app.cards.models import Card
from app.errors import InvalidInput
from app.events import names
from app.events.models import Event
from app.reports import history
from app.settings import get_settings

# --- the whole board at a moment ------------------------------------------------------------


@dataclass
class PastPhase:
    id: int
    name: str
    is_done: bool
    wip_limit: int | None
    card_ids: list[int] = field(default_factory=list)


@dataclass
class PastBoard:
    """The board as it stood at `moment`: its phases in order, each with its cards in order."""

    moment: datetime
    phases: list[PastPhase]
    cards: dict[int, dict[str, Any]]
    archived: set[int]
    last_seq: int

    def placement(self) -> dict[int, list[int]]:
        """Phase id → the ids of its active cards, top to bottom."""
        return {phase.id: list(phase.card_ids) for phase in self.phases}


def board_at(rows: Sequence[history.Row], moment: datetime) -> PastBoard:
    """Replay the board's events up to `moment`: phases, the order of cards in each, fields."""
    phases: dict[int, PastPhase] = {}
    order: list[int] = []
    cards: dict[int, dict[str, Any]] = {}
    archived: set[int] = set()
    removals: dict[int, dict[str, Any]] = {}
    # For each move, when the card had entered the phase it left (what its undo restores).
    moves: dict[int, str | None] = {}
    last_seq = 0

    def place(card_id: int, phase_id: int, position: int | None, at: datetime) -> None:
        column = phases[phase_id].card_ids
        column.insert(len(column) if position is None else min(position, len(column)), card_id)
        if cards[card_id].get("phase_id") != phase_id or "phase_since" not in cards[card_id]:
            cards[card_id]["phase_since"] = at
        cards[card_id]["phase_id"] = phase_id

    def take_out(card_id: int) -> None:
        phase = phases.get(cards[card_id]["phase_id"])
        if phase is not None and card_id in phase.card_ids:
            phase.card_ids.remove(card_id)

    def add_phase(spec: dict[str, Any]) -> PastPhase:
        phase = PastPhase(
            spec["id"], spec["name"], bool(spec.get("is_done")), spec.get("wip_limit")
        )
        phases[phase.id] = phase
        order.insert(min(spec.get("position", len(order)), len(order)), phase.id)
        return phase

    for row in rows:
        if row.at > moment:
            break
        last_seq = row.seq
        payload = row.payload
        kind = row.type
        if kind == names.BOARD_CREATED:
            for spec in sorted(payload.get("phases") or [], key=lambda p: p.get("position", 0)):
                add_phase(spec)
        elif kind == names.PHASE_CREATED:
            add_phase(payload["after"])
            undone = removals.get(payload.get("undo_of") or -1) or {}
            for spot in sorted(undone.get("cards") or [], key=lambda p: p["position"]):
                if spot["id"] in cards:
                    take_out(spot["id"])
                    if spot["id"] in archived:
                        cards[spot["id"]]["phase_id"] = payload["after"]["id"]
                    else:
                        place(spot["id"], payload["after"]["id"], spot["position"], row.at)
                    if spot.get("phase_since"):
                        # As the undo does: back in the phase since it first entered it.
                        cards[spot["id"]]["phase_since"] = datetime.fromisoformat(
                            spot["phase_since"]
                        )
        elif kind == names.PHASES_REORDERED:
            order = [phase_id for phase_id in payload["after"] if phase_id in phases]
        elif kind == names.PHASE_REMOVED:
            removals[row.seq] = payload
            removed = payload["before"]["id"]
            target = payload.get("target_phase_id")
            carried = phases[removed].card_ids if removed in phases else []
            for spot in payload.get("cards") or []:
                if spot["id"] not in cards or target not in phases:
                    continue
                if spot["id"] in archived:
                    cards[spot["id"]]["phase_id"] = target
                elif spot["id"] in carried:
                    place(spot["id"], target, None, row.at)
            phases.pop(removed, None)
            order = [phase_id for phase_id in order if phase_id != removed]
        elif kind == names.PHASE_UPDATED:
            # Older phase edits do not name the phase; a phase shows today's name then.
            phase_id = payload.get("phase_id")
            if phase_id in phases:
                after = payload.get("after") or {}
                phase = phases[phase_id]
                phase.name = after.get("name", phase.name)
                phase.is_done = bool(after.get("is_done", phase.is_done))
                phase.wip_limit = after.get("wip_limit", phase.wip_limit)
        elif row.card_id is not None:
            _card_event(row, cards, archived, phases, place, take_out)
            if kind == names.CARD_MOVED:
                entered = payload.get("phase_since_before")
                moves[row.seq] = entered
                entered_before = moves.get(payload.get("undo_of") or -1)
                if entered_before and row.card_id in cards:
                    # An undone move puts back when the card had entered its phase.
                    cards[row.card_id]["phase_since"] = datetime.fromisoformat(entered_before)
    ordered = [phases[phase_id] for phase_id in order if phase_id in phases]
    return PastBoard(moment, ordered, cards, archived, last_seq)


def _card_event(
    row: history.Row,
    cards: dict[int, dict[str, Any]],
    archived: set[int],
    phases: dict[int, PastPhase],
    place: Any,
    take_out: Any,
) -> None:
    card_id = row.card_id
    assert card_id is not None
    payload = row.payload
    if row.type == names.CARD_CREATED:
        after = dict(payload.get("after") or {})
        after["phase_since"] = row.at
        cards[card_id] = after
        if after.get("archived"):
            archived.add(card_id)
        elif after["phase_id"] in phases:
            place(card_id, after["phase_id"], after.get("position"), row.at)
        return
    if card_id not in cards:
        return
    if row.type == names.CARD_UPDATED:
        cards[card_id].update(payload.get("after") or {})
    elif row.type == names.CARD_MOVED:
        take_out(card_id)
        after = payload["after"]
        if after["phase_id"] in phases:
            place(card_id, after["phase_id"], after.get("position"), row.at)
    elif row.type == names.CARD_ARCHIVED:
        take_out(card_id)
        archived.add(card_id)
    elif row.type == names.CARD_RESTORED:
        archived.discard(card_id)
        phase_id = cards[card_id]["phase_id"]
        if phase_id in phases:
            place(card_id, phase_id, (payload.get("after") or {}).get("position"), row.at)


@dataclass(frozen=True)
class PastCard:
    """A card face as it was: the fields the face shows."""

    id: int
    title: str
    priority: str
    size: str | None
    due_date: date | None
    tags: list[str]
    department_id: int | None
    lotse_id: int | None
    phase_since: datetime
    version: int = 0


@dataclass
class Column:
    phase: PastPhase
    cards: list[PastCard] = field(default_factory=list)


@dataclass(frozen=True)
class Since:
    """What happened on the board after the moment, until now."""

    moved: int
    new: int
    done: int
    archived: int


@dataclass(frozen=True)
class Then:
    moment: datetime
    columns: list[Column]
    since: Since

    @property
    def total(self) -> int:
        return sum(len(column.cards) for column in self.columns)


def parse_moment(raw: str) -> datetime:
    """`2026-10-01` (the end of that day) or `2026-10-01T14:30` (local time), not in the
    future."""
    zone = get_settings().zone
    text = raw.strip()
    try:
        if "T" in text or " " in text:
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
        else:
            day = date.fromisoformat(text)
            moment = datetime.combine(day + timedelta(days=1), time(), zone) - timedelta(
                microseconds=1
            )
    except (ValueError, OverflowError):
        raise InvalidInput("am", "not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM)") from None
    if not 2000 <= moment.year <= 2100:
        raise InvalidInput("am", "not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM)")
    now = clock.now()
    day_now = now.astimezone(zone).date()
    if moment.astimezone(zone).date() > day_now:
        raise InvalidInput("am", "the date lies in the future")
    return min(moment, now)


def _face(card_id: int, fields: dict[str, Any]) -> PastCard:
    due = fields.get("due_date")
    return PastCard(
        id=card_id,
        title=str(fields.get("title", "")),
        priority=str(fields.get("priority") or "normal"),
        size=fields.get("size"),
        due_date=date.fromisoformat(due) if isinstance(due, str) else None,
        tags=sorted(fields.get("tags") or []),
        department_id=fields.get("department_id"),
        lotse_id=fields.get("lotse_id"),
        phase_since=fields["phase_since"],
    )


def board_then(
    session: Session,
    *,
    board: Board,
    moment: datetime,
    department_ids: Iterable[int] = (),
    phase_ids: Iterable[int] = (),
) -> Then:
    """The board's phases and active cards, in order, as they stood at `moment` (of those
    departments and phases, when named: a screen link's choice)."""
    assert board.id is not None
    # Nothing after the moment is replayed, so nothing after it is read either.
    rows = history.load(session, board_id=board.id, until=moment)
    past = board_at(rows, moment)
    wanted, shown = set(department_ids), set(phase_ids)
    columns = []
    for phase in past.phases:
        if shown and phase.id not in shown:
            continue
        column = Column(phase)
        for card_id in phase.card_ids:
            fields = past.cards[card_id]
            if not wanted or fields.get("department_id") in wanted:
                column.cards.append(_face(card_id, fields))
        columns.append(column)
    done = {phase.id for phase in past.phases if phase.is_done}
    return Then(moment, columns, _since(session, board.id, past.last_seq, done, wanted))


def _since(
    session: Session, board_id: int, after: int, done: set[int], departments: set[int]
) -> Since:
    """Distinct measures moved to another phase, created, done and archived after `seq` (of
    those departments, as the measures belong to them now)."""
    statement = select(Event.type, Event.card_id, Event.payload).where(
        Event.board_id == board_id,
        col(Event.seq) > after,
        col(Event.type).in_([names.CARD_CREATED, names.CARD_MOVED, names.CARD_ARCHIVED]),
    )
    if departments:
        statement = statement.join(Card, col(Card.id) == col(Event.card_id)).where(
            col(Card.department_id).in_(departments)
        )
    moved: set[int] = set()
    new: set[int] = set()
    finished: set[int] = set()
    archived: set[int] = set()
    for kind, card_id, payload in session.exec(statement):
        if card_id is None:
            continue
        if kind == names.CARD_CREATED:
            new.add(card_id)
        elif kind == names.CARD_ARCHIVED:
            archived.add(card_id)
        else:
            before, now = payload["before"]["phase_id"], payload["after"]["phase_id"]
            if before != now:
                moved.add(card_id)
                if now in done and before not in done:
                    finished.add(card_id)
    return Since(len(moved), len(new), len(finished), len(archived))
