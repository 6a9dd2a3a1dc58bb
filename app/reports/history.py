"""A board's cards and phases over time, replayed from the event log alone.

Every card event says where the card went (`card.created` carries the whole card, a move its
phase and position, an edit the fields it changed), and a phase's removal or its undo names
the cards it carried. Replaying them in `seq` order gives each card's path through the phases
(for the figures) and, when asked, the whole board as it stood at any moment (for "the board as
it was"). The paths kept between requests (`replays`) are a fold of the log up to its last
event, fed the rest on each use and started again if that event is no longer there: they cannot
disagree with the log.
"""

import gc
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import String, type_coerce
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from app.events import names
from app.events.models import Event

CARD_TYPES = (
    names.CARD_CREATED,
    names.CARD_UPDATED,
    names.CARD_MOVED,
    names.CARD_ARCHIVED,
    names.CARD_RESTORED,
)
PHASE_TYPES = (
    names.BOARD_CREATED,
    names.PHASE_CREATED,
    names.PHASE_UPDATED,
    names.PHASES_REORDERED,
    names.PHASE_REMOVED,
)

BOARD_TYPES = (*CARD_TYPES, *PHASE_TYPES)


class Row(NamedTuple):
    """One event as the replay needs it."""

    seq: int
    type: str
    card_id: int | None
    at: datetime
    payload: dict[str, Any]


def load(
    session: Session,
    *,
    board_id: int,
    until: datetime | None = None,
    after: int = 0,
    cards_only: bool = False,
) -> list[Row]:
    """The board's card (and phase) events after `seq`, up to `until`, in order."""
    kinds = (*CARD_TYPES, names.PHASE_REMOVED, names.PHASE_CREATED) if cards_only else BOARD_TYPES
    connection = session.connection()
    stamp: Any = col(Event.created_at)
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # The text as stored: parsing it here is several times faster than the type's way,
        # and a long log has a hundred thousand of them.
        stamp = type_coerce(stamp, String)
    statement = select_columns(
        col(Event.seq), col(Event.type), col(Event.card_id), stamp, col(Event.payload)
    ).where(col(Event.board_id) == board_id, col(Event.type).in_(kinds))
    if until is not None:
        statement = statement.where(col(Event.created_at) <= until)
    if after:
        statement = statement.where(col(Event.seq) > after)
    return [
        Row(seq, kind, card_id, _utc(at) if sqlite else at, payload or {})
        for seq, kind, card_id, at, payload in connection.execute(
            statement.order_by(col(Event.seq))
        )
    ]


def _utc(stored: str) -> datetime:
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


# --- each card's path through the phases -----------------------------------------------------


class Step(NamedTuple):
    """From `at` on, the card stood in `phase_id` (archived or not)."""

    at: datetime
    phase_id: int
    archived: bool


@dataclass
class Path:
    """One card's steps and the changes of its fields, in order."""

    card_id: int
    created_at: datetime
    fields: dict[str, Any]
    steps: list[Step] = field(default_factory=list)
    # (when, fields changed to): to know a card's department or tags at a moment.
    edits: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)

    def fields_at(self, moment: datetime) -> dict[str, Any]:
        """The card's fields as they were at `moment` (do not change the answer)."""
        if not self.edits or self.edits[0][0] > moment:
            return self.fields
        current = dict(self.fields)
        for at, changed in self.edits:
            if at > moment:
                break
            current.update(changed)
        return current


class Replay:
    """Every card's path, folded from the log one event after the other: more events can be
    fed later, and the paths are the same as if all had been replayed at once."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.paths: dict[int, Path] = {}
        self.removals: dict[int, dict[str, Any]] = {}
        # The step each undoable change added, by its seq: an undo takes that step back.
        self.added: dict[int, list[tuple[int, int]]] = {}
        self.last_seq = 0
        self.last: tuple[str, datetime] | None = None

    def feed(self, rows: Iterable[Row]) -> "Replay":
        for row in rows:
            try:
                self._one(row)
            except Exception:
                # Half a row applied: start again rather than go on from there.
                self.reset()
                raise
            self.last_seq = row.seq
            self.last = (row.type, row.at)
        return self

    def _step(self, seq: int, path: Path, step: Step) -> None:
        path.steps.append(step)
        self.added.setdefault(seq, []).append((path.card_id, len(path.steps) - 1))

    def _take_back(self, seq: int) -> set[int]:
        """Undo the steps change `seq` added (where each is still its card's last): the card
        stands where it stood before, as if it had never moved. The cards it did that for."""
        found = set()
        for card_id, index in self.added.pop(seq, []):
            path = self.paths.get(card_id)
            if path is not None and len(path.steps) == index + 1 and index > 0:
                path.steps.pop()
                found.add(card_id)
        return found

    def _one(self, row: Row) -> None:
        payload, found = row.payload, self.paths
        undo_of = payload.get("undo_of")
        if row.type == names.PHASE_REMOVED:
            self.removals[row.seq] = payload
            target = payload.get("target_phase_id")
            for place in payload.get("cards") or []:
                path = found.get(place["id"])
                if path is not None and target is not None:
                    self._step(row.seq, path, Step(row.at, target, path.steps[-1].archived))
            return
        if row.type == names.PHASE_CREATED:
            if undo_of is not None:
                self._bring_back(undo_of, payload["after"]["id"], row.at)
            return
        if row.card_id is None:
            return
        if row.type == names.CARD_CREATED:
            after = payload.get("after") or {}
            path = Path(row.card_id, row.at, dict(after))
            path.steps.append(Step(row.at, after["phase_id"], bool(after.get("archived"))))
            found[row.card_id] = path
            return
        path = found.get(row.card_id)
        if path is None:
            return
        if undo_of is not None and row.card_id in self._take_back(undo_of):
            return
        last = path.steps[-1]
        if row.type == names.CARD_MOVED:
            phase_id = payload["after"]["phase_id"]
            if phase_id != last.phase_id:
                self._step(row.seq, path, Step(row.at, phase_id, False))
        elif row.type == names.CARD_ARCHIVED:
            self._step(row.seq, path, Step(row.at, last.phase_id, True))
        elif row.type == names.CARD_RESTORED:
            path.steps.append(Step(row.at, last.phase_id, False))
        elif row.type == names.CARD_UPDATED:
            path.edits.append((row.at, dict(payload.get("after") or {})))

    def _bring_back(self, seq: int, phase_id: int, at: datetime) -> None:
        """The undo of a phase's removal: the phase is back (under `phase_id`), and so is every
        card it carried, as if it had never left."""
        removal = self.removals.pop(seq, None)
        if removal is None:
            return
        old = removal["before"]["id"]
        back = self._take_back(seq)
        for path in self.paths.values():
            if any(step.phase_id == old for step in path.steps):
                path.steps[:] = [
                    step._replace(phase_id=phase_id) if step.phase_id == old else step
                    for step in path.steps
                ]
        # A card changed since the removal (the undo then leaves it): it goes back now.
        for place in removal.get("cards") or []:
            carried = self.paths.get(place["id"])
            if carried is not None and place["id"] not in back:
                carried.steps.append(Step(at, phase_id, carried.steps[-1].archived))

    def continues(self, session: Session, board_id: int) -> bool:
        """Whether the log still holds the last event fed, as it was fed."""
        return still_there(session, board_id, self.last_seq, self.last)

    def removed_phases(self) -> list[dict[str, Any]]:
        """The phases removed so far, as they were when removed."""
        return [payload["before"] for payload in self.removals.values()]


def still_there(
    session: Session, board_id: int, seq: int, fed: tuple[str, datetime] | None
) -> bool:
    """Whether the log still holds event `seq` as it was fed (its type and time): what is kept
    of a log is a fold of it up to that event."""
    if fed is None:
        return True
    statement = select_columns(col(Event.type), col(Event.created_at)).where(
        col(Event.board_id) == board_id, col(Event.seq) == seq
    )
    found = session.execute(statement).first()
    return found is not None and (found[0], found[1]) == fed


def paths(rows: Iterable[Row]) -> dict[int, Path]:
    """Every card's path, replayed."""
    return Replay().feed(rows).paths


# A replay fed this many events at once is a long log's: worth keeping out of the collector.
KEPT_ROWS = 10_000


def keep_out_of_collections() -> None:
    """Move what is alive now out of the cyclic collector's reach, as the server does after
    start-up: a long log's replay is hundreds of thousands of objects that live as long as the
    process, and every full collection walked them all (a quarter's report: p50 60 ms, p95
    270–400 ms on PostgreSQL, 64 ms with the collector off). Objects that die are still freed
    when their last reference goes."""
    gc.collect()
    gc.freeze()


def board_key(session: Session, board_id: int, created_at: datetime) -> Hashable:
    """What tells a board from another with the same id (a restored or test database), for
    what is kept of its log between requests."""
    return (str(session.get_bind().engine.url), board_id, created_at)


class Replays:
    """The replay of each board's log, kept between requests and fed only what was appended
    since: the log is append-only and a board's events commit in `seq` order (its writers take
    turns), so what is kept is always a prefix of the log. A few boards at most."""

    def __init__(self, boards: int = 8) -> None:
        self.boards = boards
        self._kept: OrderedDict[Hashable, tuple[Replay, threading.Lock]] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def replay(self, session: Session, *, board_id: int, key: Hashable) -> Iterator[Replay]:
        """The board's replay, up to date, held for this caller alone while in use; `key`
        tells this board from another that had the same id (a restored or test database)."""
        with self._lock:
            entry = self._kept.pop(key, None) or (Replay(), threading.Lock())
            self._kept[key] = entry
            while len(self._kept) > self.boards:
                self._kept.popitem(last=False)
        replay, lock = entry
        with lock:
            if not replay.continues(session, board_id):
                replay.reset()
            rows = load(session, board_id=board_id, after=replay.last_seq, cards_only=True)
            replay.feed(rows)
            if len(rows) >= KEPT_ROWS:
                keep_out_of_collections()
            yield replay

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


replays = Replays()
