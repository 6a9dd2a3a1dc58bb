"""Flow figures read off the cards' replayed paths: pure functions, no database.

Rules, as the pages state them:
- a measure is done while it stands in a done phase; archiving it there keeps it done (clearing
  the done column does not undo finished work); archived from any other phase, it leaves the
  flow from that moment;
- a measure that left done and came back counts once, when it last became done; if it is not
  done at the end of the period, its earlier completion does not count;
- cycle time starts when a measure first entered the board's "started" phase or any phase after
  it (today's order); a measure that skipped them starts when it became done;
- percentiles are nearest-rank: "85 % in at most N days" means at least 85 % took N days or less.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.reports.history import Path, Step

DAY = 86_400.0
LEVELS = (50, 85, 95)


@dataclass(frozen=True)
class PhaseInfo:
    id: int
    name: str
    index: int  # its place in the board's order; removed phases: where they stood
    is_done: bool
    started: bool  # the "started" phase or one after it


def bucket(step: Step, phases: Mapping[int, PhaseInfo]) -> int | None:
    """Where a step counts in the flow: its phase, or None when it left the flow."""
    if not step.archived:
        return step.phase_id
    phase = phases.get(step.phase_id)
    return step.phase_id if phase is not None and phase.is_done else None


def _is_done(phase_id: int | None, phases: Mapping[int, PhaseInfo]) -> bool:
    phase = phases.get(phase_id) if phase_id is not None else None
    return phase is not None and phase.is_done


def percentile(values: Sequence[float], level: int) -> float | None:
    """Nearest rank: the smallest value that at least `level` % of the values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(level / 100 * len(ordered))) - 1]


def days(span: timedelta) -> float:
    return span.total_seconds() / DAY


# --- cumulative flow ----------------------------------------------------------------------


def cumulative_flow(
    paths: Iterable[Path], phases: Mapping[int, PhaseInfo], moments: Sequence[datetime]
) -> list[Counter[int]]:
    """At each moment (ascending), the number of measures per phase."""
    if not moments:
        return []
    first, last = moments[0], moments[-1]
    counts: Counter[int] = Counter()
    where: dict[int, int | None] = {}
    changes = []
    for path in paths:
        steps = path.steps
        # Where it stood at the first moment, then what changed up to the last one.
        index = _last_at(steps, first)
        if index >= 0:
            place = bucket(steps[index], phases)
            where[path.card_id] = place
            if place is not None:
                counts[place] += 1
        for step in steps[index + 1 :]:
            if step.at >= last:
                break
            changes.append((step.at, path.card_id, bucket(step, phases)))
    changes.sort(key=lambda change: change[0])
    result: list[Counter[int]] = []
    index = 0
    for moment in moments:
        while index < len(changes) and changes[index][0] < moment:
            _, card_id, target = changes[index]
            source = where.get(card_id)
            if source is not None:
                counts[source] -= 1
            if target is not None:
                counts[target] += 1
            where[card_id] = target
            index += 1
        result.append(+counts)
    return result


def _last_at(steps: Sequence[Step], moment: datetime) -> int:
    """The index of the last step before `moment` (-1: none); looks from the end, where a
    report's period usually is. Moments end periods: what happens at one belongs to the next."""
    index = len(steps) - 1
    while index >= 0 and steps[index].at >= moment:
        index -= 1
    return index


# --- completion, lead and cycle time --------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    card_id: int
    created_at: datetime
    started_at: datetime
    done_at: datetime

    @property
    def lead_days(self) -> float:
        return days(self.done_at - self.created_at)

    @property
    def cycle_days(self) -> float:
        return days(self.done_at - self.started_at)


def completion(path: Path, phases: Mapping[int, PhaseInfo], until: datetime) -> Completion | None:
    """When the measure last became done, if it is done at `until`."""
    steps = path.steps
    index = _last_at(steps, until)
    if index < 0 or not _is_done(bucket(steps[index], phases), phases):
        return None
    # Back to the start of the last run in done phases (archiving there keeps it done).
    while index > 0 and _is_done(bucket(steps[index - 1], phases), phases):
        index -= 1
    done_at = steps[index].at
    started_at = next(
        (
            step.at
            for step in steps[: index + 1]
            if not step.archived and (phase := phases.get(step.phase_id)) and phase.started
        ),
        done_at,
    )
    return Completion(path.card_id, path.created_at, started_at, done_at)


def completions(
    paths: Iterable[Path], phases: Mapping[int, PhaseInfo], start: datetime, until: datetime
) -> list[Completion]:
    """The measures that became done within [start, until) (and still are at `until`)."""
    found = (completion(path, phases, until) for path in paths)
    return sorted(
        (c for c in found if c is not None and start <= c.done_at < until),
        key=lambda c: c.done_at,
    )


def throughput(done: Iterable[Completion], weeks: Sequence[tuple[datetime, datetime]]) -> list[int]:
    """Measures done per week."""
    counts = [0] * len(weeks)
    for item in done:
        for index, (start, end) in enumerate(weeks):
            if start <= item.done_at < end:
                counts[index] += 1
                break
    return counts


def distribution(values: Sequence[float]) -> dict[int, float | None]:
    """The 50th, 85th and 95th percentile of the values."""
    return {level: percentile(values, level) for level in LEVELS}


# --- time in each phase, aging -----------------------------------------------------------


@dataclass(frozen=True)
class Stay:
    card_id: int
    phase_id: int
    start: datetime
    end: datetime | None  # None: still there at `until`


def stays(path: Path, until: datetime) -> list[Stay]:
    """The card's stays on the board, phase by phase (archiving ends a stay)."""
    found: list[Stay] = []
    current: tuple[int, datetime] | None = None
    for step in path.steps:
        if step.at >= until:
            break
        if current is not None and (step.archived or step.phase_id != current[0]):
            found.append(Stay(path.card_id, current[0], current[1], step.at))
            current = None
        if current is None and not step.archived:
            current = (step.phase_id, step.at)
    if current is not None:
        found.append(Stay(path.card_id, current[0], current[1], None))
    return found


def time_in_phase(
    paths: Iterable[Path], start: datetime, until: datetime
) -> dict[int, list[float]]:
    """Per phase, the days of each stay that ended within [start, until)."""
    found: dict[int, list[float]] = defaultdict(list)
    for path in paths:
        for stay in stays(path, until):
            if stay.end is not None and start <= stay.end < until:
                found[stay.phase_id].append(days(stay.end - stay.start))
    return dict(found)


@dataclass(frozen=True)
class Aging:
    card_id: int
    phase_id: int
    days: float
    usual: float | None  # the phase's 85th percentile of time in phase

    @property
    def over(self) -> bool:
        return self.usual is not None and self.days > self.usual


def aging(
    paths: Iterable[Path],
    phases: Mapping[int, PhaseInfo],
    usual: Mapping[int, float | None],
    until: datetime,
) -> list[Aging]:
    """Work in progress at `until` (on the board, started, not done): days in its phase, the
    longest first."""
    found = []
    for path in paths:
        current = [stay for stay in stays(path, until) if stay.end is None]
        phase = phases.get(current[0].phase_id) if current else None
        if current and phase is not None and phase.started and not phase.is_done:
            stay = current[0]
            found.append(
                Aging(
                    path.card_id, stay.phase_id, days(until - stay.start), usual.get(stay.phase_id)
                )
            )
    return sorted(found, key=lambda item: (-item.days, item.card_id))


# --- blocked time share -------------------------------------------------------------------


def in_progress(
    path: Path, phases: Mapping[int, PhaseInfo], start: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """When the card was in progress (on the board, started, not done) within [start, until)."""
    found = []
    for stay in stays(path, until):
        phase = phases.get(stay.phase_id)
        if phase is None or not phase.started or phase.is_done:
            continue
        low, high = max(stay.start, start), min(stay.end or until, until)
        if low < high:
            found.append((low, high))
    return found


def overlap(
    first: Iterable[tuple[datetime, datetime]], second: Iterable[tuple[datetime, datetime]]
) -> timedelta:
    """The length of the intersection of two sets of disjoint intervals."""
    total = timedelta(0)
    others = list(second)
    for low, high in first:
        for other_low, other_high in others:
            start, end = max(low, other_low), min(high, other_high)
            if start < end:
                total += end - start
    return total
