"""The board as it was at a moment, read from the event log: for "where were we last time"."""

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

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
    last_seq: int


def board_at(rows: Sequence[history.Row], moment: datetime) -> PastBoard:
    """Replay the board's events up to `moment`: phases, the order of cards in each, fields."""
    return Fold().feed(row for row in rows if row.at <= moment).board(moment)


class Fold:
    """The board folded from its log one event after the other: phases in order, the cards of
    each in order, every card's fields. A copy is cheap, so that a kept fold can be taken up
    again at any later moment: a card's fields are replaced, never changed in place, and the
    undo lookups (by the seq of the change undone, always an earlier one) are shared."""

    def __init__(self) -> None:
        self.phases: dict[int, PastPhase] = {}
        self.order: list[int] = []
        self.cards: dict[int, dict[str, Any]] = {}
        self.archived: set[int] = set()
        self.removals: dict[int, dict[str, Any]] = {}
        # For each move, when the card had entered the phase it left (what its undo restores).
        self.moves: dict[int, str | None] = {}
        self.last_seq = 0
        self.last: tuple[str, datetime] | None = None
        self.latest: datetime | None = None

    def copy(self) -> "Fold":
        other = Fold()
        other.phases = {
            key: PastPhase(p.id, p.name, p.is_done, p.wip_limit, list(p.card_ids))
            for key, p in self.phases.items()
        }
        other.order = list(self.order)
        other.cards = dict(self.cards)
        other.archived = set(self.archived)
        other.removals, other.moves = self.removals, self.moves
        other.last_seq, other.last, other.latest = self.last_seq, self.last, self.latest
        return other

    def board(self, moment: datetime) -> PastBoard:
        ordered = [self.phases[phase_id] for phase_id in self.order if phase_id in self.phases]
        return PastBoard(moment, ordered, self.cards, self.last_seq)

    def feed(self, rows: Iterable[history.Row]) -> "Fold":
        for row in rows:
            self._one(row)
            self.last_seq, self.last = row.seq, (row.type, row.at)
            self.latest = row.at if self.latest is None else max(self.latest, row.at)
        return self

    def _set(self, card_id: int, **changes: Any) -> None:
        self.cards[card_id] = {**self.cards[card_id], **changes}

    def _place(self, card_id: int, phase_id: int, position: int | None, at: datetime) -> None:
        column = self.phases[phase_id].card_ids
        column.insert(len(column) if position is None else min(position, len(column)), card_id)
        fields = self.cards[card_id]
        if fields.get("phase_id") != phase_id or "phase_since" not in fields:
            self._set(card_id, phase_id=phase_id, phase_since=at)

    def _take_out(self, card_id: int) -> None:
        phase = self.phases.get(self.cards[card_id]["phase_id"])
        if phase is not None and card_id in phase.card_ids:
            phase.card_ids.remove(card_id)

    def _add_phase(self, spec: dict[str, Any]) -> None:
        phase = PastPhase(
            spec["id"], spec["name"], bool(spec.get("is_done")), spec.get("wip_limit")
        )
        self.phases[phase.id] = phase
        self.order.insert(min(spec.get("position", len(self.order)), len(self.order)), phase.id)

    def _one(self, row: history.Row) -> None:
        payload, kind, cards = row.payload, row.type, self.cards
        if kind == names.BOARD_CREATED:
            for spec in sorted(payload.get("phases") or [], key=lambda p: p.get("position", 0)):
                self._add_phase(spec)
        elif kind == names.PHASE_CREATED:
            phase_id = payload["after"]["id"]
            self._add_phase(payload["after"])
            undone = self.removals.get(payload.get("undo_of") or -1) or {}
            for spot in sorted(undone.get("cards") or [], key=lambda p: p["position"]):
                if spot["id"] in cards:
                    self._take_out(spot["id"])
                    if spot["id"] in self.archived:
                        self._set(spot["id"], phase_id=phase_id)
                    else:
                        self._place(spot["id"], phase_id, spot["position"], row.at)
                    if spot.get("phase_since"):
                        # As the undo does: back in the phase since it first entered it.
                        since = datetime.fromisoformat(spot["phase_since"])
                        self._set(spot["id"], phase_since=since)
        elif kind == names.PHASES_REORDERED:
            self.order = [phase_id for phase_id in payload["after"] if phase_id in self.phases]
        elif kind == names.PHASE_REMOVED:
            self.removals[row.seq] = payload
            removed = payload["before"]["id"]
            target = payload.get("target_phase_id")
            carried = self.phases[removed].card_ids if removed in self.phases else []
            for spot in payload.get("cards") or []:
                if spot["id"] not in cards or target not in self.phases:
                    continue
                if spot["id"] in self.archived:
                    self._set(spot["id"], phase_id=target)
                elif spot["id"] in carried:
                    self._place(spot["id"], target, None, row.at)
            self.phases.pop(removed, None)
            self.order = [phase_id for phase_id in self.order if phase_id != removed]
        elif kind == names.PHASE_UPDATED:
            # Older phase edits do not name the phase; a phase shows today's name then.
            phase_id = payload.get("phase_id")
            if phase_id in self.phases:
                after = payload.get("after") or {}
                phase = self.phases[phase_id]
                phase.name = after.get("name", phase.name)
                phase.is_done = bool(after.get("is_done", phase.is_done))
                phase.wip_limit = after.get("wip_limit", phase.wip_limit)
        elif row.card_id is not None:
            self._card_event(row)
            if kind == names.CARD_MOVED:
                self.moves[row.seq] = payload.get("phase_since_before")
                entered_before = self.moves.get(payload.get("undo_of") or -1)
                if entered_before and row.card_id in cards:
                    # An undone move puts back when the card had entered its phase.
                    since = datetime.fromisoformat(entered_before)
                    self._set(row.card_id, phase_since=since)

    def _card_event(self, row: history.Row) -> None:
        card_id = row.card_id
        assert card_id is not None
        payload = row.payload
        if row.type == names.CARD_CREATED:
            after = dict(payload.get("after") or {})
            after["phase_since"] = row.at
            self.cards[card_id] = after
            if after.get("archived"):
                self.archived.add(card_id)
            elif after["phase_id"] in self.phases:
                self._place(card_id, after["phase_id"], after.get("position"), row.at)
            return
        if card_id not in self.cards:
            return
        if row.type == names.CARD_UPDATED:
            self._set(card_id, **(payload.get("after") or {}))
        elif row.type == names.CARD_MOVED:
            self._take_out(card_id)
            after = payload["after"]
            if after["phase_id"] in self.phases:
                self._place(card_id, after["phase_id"], after.get("position"), row.at)
        elif row.type == names.CARD_ARCHIVED:
            self._take_out(card_id)
            self.archived.add(card_id)
        elif row.type == names.CARD_RESTORED:
            self.archived.discard(card_id)
            phase_id = self.cards[card_id]["phase_id"]
            if phase_id in self.phases:
                position = (payload.get("after") or {}).get("position")
                self._place(card_id, phase_id, position, row.at)


class Pasts:
    """Folds of each board's log kept between requests, as checkpoints every `every` events:
    the board as it was at a moment is taken up from the last checkpoint before it, so only
    the events in between are read. A checkpoint is a fold of the log up to its event and is
    dropped, with all others, once the last one's event is no longer in the log as it was fed
    (a restored or test database). A few boards at most."""

    def __init__(self, boards: int = 4, every: int = 10_000, most: int = 16) -> None:
        self.boards, self.every, self.most = boards, every, most
        self._kept: OrderedDict[Hashable, tuple[list[Fold], threading.Lock]] = OrderedDict()
        self._lock = threading.Lock()

    def board_at(
        self, session: Session, *, board_id: int, key: Hashable, moment: datetime
    ) -> PastBoard:
        with self._lock:
            entry = self._kept.pop(key, None) or ([], threading.Lock())
            self._kept[key] = entry
            while len(self._kept) > self.boards:
                self._kept.popitem(last=False)
        checkpoints, lock = entry
        with lock:
            last = checkpoints[-1] if checkpoints else None
            if last and not history.still_there(session, board_id, last.last_seq, last.last):
                checkpoints.clear()
            # A checkpoint holds only events at or before the moment: the board then, so far.
            usable = [c for c in checkpoints if c.latest is None or c.latest <= moment]
            start = usable[-1] if usable else Fold()
            fold = start.copy()
            rows = history.load(session, board_id=board_id, until=moment, after=start.last_seq)
            # Rows left out for being later than the moment end what may be kept.
            cut = _first_later(session, board_id, after=start.last_seq, moment=moment)
            extend = start is (checkpoints[-1] if checkpoints else start)
            for offset in range(0, len(rows), self.every):
                fold.feed(rows[offset : offset + self.every])
                if extend and (cut is None or fold.last_seq < cut):
                    checkpoints.append(fold.copy())
            if len(checkpoints) > self.most:
                del checkpoints[-2::-2]
            return fold.board(moment)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def _first_later(session: Session, board_id: int, *, after: int, moment: datetime) -> int | None:
    """The first event after `seq` that is later than the moment (if the clocks of two
    workers disagree, a later seq may carry an earlier time)."""
    statement = select_columns(func.min(col(Event.seq))).where(
        col(Event.board_id) == board_id,
        col(Event.seq) > after,
        col(Event.created_at) > moment,
        col(Event.type).in_(history.BOARD_TYPES),
    )
    return session.execute(statement).scalar()


pasts = Pasts()


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
    key = history.board_key(session, board.id, board.created_at)
    past = pasts.board_at(session, board_id=board.id, key=key, moment=moment)
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
    those departments, as the measures belong to them now). Counted by the database: a long
    log has tens of thousands of moves since a year ago."""
    before = Event.payload[("before", "phase_id")].as_integer()  # type: ignore[index]
    now = Event.payload[("after", "phase_id")].as_integer()  # type: ignore[index]
    card = col(Event.card_id)
    moved = (col(Event.type) == names.CARD_MOVED) & (before != now)
    finished = moved & now.in_(done or {-1}) & before.not_in(done or {-1})

    def distinct(condition: Any) -> Any:
        return func.count(func.distinct(case((condition, card))))

    statement = select_columns(
        distinct(moved),
        distinct(col(Event.type) == names.CARD_CREATED),
        distinct(finished),
        distinct(col(Event.type) == names.CARD_ARCHIVED),
    ).where(
        col(Event.board_id) == board_id,
        col(Event.seq) > after,
        card.is_not(None),
        col(Event.type).in_([names.CARD_CREATED, names.CARD_MOVED, names.CARD_ARCHIVED]),
    )
    if departments:
        statement = statement.join(Card, col(Card.id) == card).where(
            col(Card.department_id).in_(departments)
        )
    counts = session.execute(statement).one()
    return Since(*(int(count) for count in counts))
