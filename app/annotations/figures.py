"""Figures on concerns and resistances, computed from the event log alone.

Every annotation event carries the annotation's state after it (`payload.annotation`), so
replaying a board's annotation events gives each annotation's states over time; every figure
here is read off those spans. Nothing is counted along the way, so nothing can drift. There are
figures per card, department, category and kind — never per person.

Rules, as the pages state them:
- open means raised and neither resolved nor withdrawn (`open` or `discussing`); a reopened
  annotation is open again from the moment it was reopened;
- a card is blocked while at least one open annotation on it blocks it; overlapping blocks
  count once;
- time to resolve runs from raising (or reopening) to resolving; withdrawn ones do not count;
- an annotation counts for the department and category it had at the moment in question.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app import clock
from app.annotations.models import OPEN_STATUSES
from app.events import names
from app.events.models import Event
from app.settings import get_settings

DIMENSIONS = ("department_id", "category_id", "kind")


@dataclass(frozen=True)
class Span:
    """One annotation in one state, from `start` until `end` (None: still so)."""

    annotation_id: int
    card_id: int
    start: datetime
    end: datetime | None
    state: dict[str, Any]

    @property
    def is_open(self) -> bool:
        return self.state.get("status") in OPEN_STATUSES

    @property
    def blocks(self) -> bool:
        return self.is_open and bool(self.state.get("blocks_card"))

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


def annotation_events(
    session: Session, *, board_id: int, card_ids: Iterable[int] | None = None
) -> list[Event]:
    """The board's annotation events (of those cards), in the order they happened."""
    statement = select(Event).where(
        Event.board_id == board_id, col(Event.type).startswith(names.ANNOTATION_PREFIX)
    )
    if card_ids is not None:
        statement = statement.where(col(Event.card_id).in_(list(card_ids)))
    return list(session.exec(statement.order_by(col(Event.seq))))


@dataclass(frozen=True)
class Log:
    """A board's annotation events (of some cards) and the spans they replay to: read once,
    asked many questions."""

    events: list[Event]
    spans: list[Span]


def load(session: Session, *, board_id: int, card_ids: Iterable[int] | None = None) -> Log:
    """Read the board's annotation events (of those cards) and replay them."""
    events = annotation_events(session, board_id=board_id, card_ids=card_ids)
    return Log(events, spans(events))


def spans(events: Iterable[Event]) -> list[Span]:
    """Each annotation's states over time, replayed from its events."""
    result: list[Span] = []
    current: dict[int, tuple[datetime, int, dict[str, Any]]] = {}
    for event in events:
        state = (event.payload or {}).get("annotation") or {}
        annotation_id = state.get("id")
        if annotation_id is None or event.card_id is None:
            continue
        if annotation_id in current:
            start, card_id, before = current[annotation_id]
            result.append(Span(annotation_id, card_id, start, event.created_at, before))
        current[annotation_id] = (event.created_at, event.card_id, state)
    for annotation_id, (start, card_id, state) in current.items():
        result.append(Span(annotation_id, card_id, start, None, state))
    return result


# --- blocked time per card -------------------------------------------------------------------


@dataclass(frozen=True)
class BlockedTime:
    """How long a card has been blocked in all, and since when it is blocked now (if it is)."""

    total: timedelta
    since: datetime | None
    # How long the current block has lasted (zero when not blocked).
    current: timedelta = timedelta(0)

    @property
    def blocked(self) -> bool:
        return self.since is not None


def blocked_times(log: Log, *, now: datetime | None = None) -> dict[int, BlockedTime]:
    """Per card (that was ever blocked), its blocked time up to `now`."""
    now = now or clock.now()
    intervals: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for span in log.spans:
        if span.blocks and span.start < now:
            # As it was at `now`: a later end (or change) is still open then.
            end = span.end if span.end is not None and span.end <= now else None
            intervals[span.card_id].append((span.start, end))
    return {card_id: _union(found, now) for card_id, found in intervals.items()}


def blocked_intervals(log: Log, *, now: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """Per card (that was ever blocked), the disjoint intervals it was blocked in up to `now`."""
    raw: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for span in log.spans:
        if span.blocks and span.start < now:
            end = span.end if span.end is not None and span.end <= now else now
            raw[span.card_id].append((span.start, end))
    merged: dict[int, list[tuple[datetime, datetime]]] = {}
    for card_id, found in raw.items():
        runs: list[tuple[datetime, datetime]] = []
        for start, end in sorted(found):
            if runs and start <= runs[-1][1]:
                runs[-1] = (runs[-1][0], max(runs[-1][1], end))
            else:
                runs.append((start, end))
        merged[card_id] = runs
    return merged


def blocked_time(
    session: Session, *, board_id: int, card_id: int, now: datetime | None = None
) -> BlockedTime:
    """One card's blocked time (zero when it was never blocked)."""
    found = blocked_times(load(session, board_id=board_id, card_ids=[card_id]), now=now)
    return found.get(card_id, BlockedTime(timedelta(0), None))


def _union(intervals: list[tuple[datetime, datetime | None]], now: datetime) -> BlockedTime:
    """The length of the union of intervals up to `now`, and the start of the one still open."""
    ordered = sorted((start, end or now, end is None) for start, end in intervals)
    total = timedelta(0)
    run_start, run_end, run_open = ordered[0]
    for start, end, still in ordered[1:]:
        if start > run_end:
            total += run_end - run_start
            run_start, run_end, run_open = start, end, still
        else:
            run_end, run_open = max(run_end, end), run_open or still
    total += run_end - run_start
    # An interval still open ends now, so it belongs to the last run.
    if run_open:
        return BlockedTime(total, run_start, now - run_start)
    return BlockedTime(total, None)


# --- per department, category or kind ------------------------------------------------------


def _key(span_state: dict[str, Any], by: str) -> Any:
    if by not in DIMENSIONS:
        raise ValueError(f"no figures by {by!r}")
    return span_state.get(by)


def open_at(all_spans: Iterable[Span], moment: datetime, *, by: str) -> Counter[Any]:
    """Open annotations at a moment, per department, category or kind (as they were then)."""
    return Counter(
        _key(span.state, by) for span in all_spans if span.is_open and span.covers(moment)
    )


@dataclass(frozen=True)
class Week:
    """A calendar week (Monday 00:00 to Monday 00:00, local time) and what happened in it."""

    start: datetime
    end: datetime
    open_at_end: Counter[Any]
    opened: Counter[Any]
    resolved: Counter[Any]

    @property
    def number(self) -> int:
        return self.start.isocalendar().week


def weeks(
    log: Log,
    *,
    by: str,
    count: int = 12,
    now: datetime | None = None,
    zone: ZoneInfo | None = None,
) -> list[Week]:
    """The last `count` calendar weeks up to now (the current one included): annotations open
    at each week's end (or now), raised and resolved during it."""
    now = now or clock.now()
    zone = zone or get_settings().zone
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    result = []
    for back in range(count - 1, -1, -1):
        # Wall-clock arithmetic, so a week across a clock change still starts at midnight.
        start = _at_midnight(monday - timedelta(weeks=back), zone)
        end = _at_midnight(monday - timedelta(weeks=back - 1), zone)
        in_week = [e for e in log.events if start <= e.created_at < end]
        result.append(
            Week(
                start=start,
                end=end,
                open_at_end=open_at(log.spans, min(end, now) - timedelta(microseconds=1), by=by),
                opened=_count(in_week, names.ANNOTATION_RAISED, by),
                resolved=_count(in_week, names.ANNOTATION_RESOLVED, by),
            )
        )
    return result


def _at_midnight(day: datetime, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _count(events: Iterable[Event], kind: str, by: str) -> Counter[Any]:
    return Counter(_key(e.payload.get("annotation") or {}, by) for e in events if e.type == kind)


def times_to_resolve(
    all_spans: Iterable[Span], *, by: str, within: tuple[datetime, datetime] | None = None
) -> dict[Any, list[timedelta]]:
    """For each resolution (within a window): how long the annotation had been open (since
    raised or reopened)."""
    per_annotation: dict[int, list[Span]] = defaultdict(list)
    for span in all_spans:
        per_annotation[span.annotation_id].append(span)
    found: dict[Any, list[timedelta]] = defaultdict(list)
    for history in per_annotation.values():
        history.sort(key=lambda span: span.start)
        opened: datetime | None = None
        for span in history:
            if span.is_open and opened is None:
                opened = span.start
            elif not span.is_open and opened is not None:
                inside = within is None or within[0] <= span.start <= within[1]
                if span.state.get("status") == "resolved" and inside:
                    found[_key(span.state, by)].append(span.start - opened)
                opened = None
    return dict(found)


def median_time_to_resolve(log: Log, *, by: str) -> dict[Any, timedelta]:
    """The median time to resolve, per department, category or kind."""
    found = times_to_resolve(log.spans, by=by)
    return {key: _median(values) for key, values in found.items()}


def _median(values: list[timedelta]) -> timedelta:
    return timedelta(seconds=median(value.total_seconds() for value in values))
