"""Auswertungen: one report per board, period, department and tag, read once from the log.

The pages, the JSON API and the downloads ask the same `Report`. Departments with fewer lotsen
than `report_min_lotsen` only appear merged into "weitere Fachbereiche": figures on a group of
one or two people are figures on those people. There is no figure per person.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from statistics import median
from typing import Any

from sqlmodel import Session, col, func, select

from app.annotations import figures as annotation_figures
from app.annotations.models import AnnotationCategory
from app.boards import service as boards
from app.boards.models import Board, Phase
from app.events import names
from app.people.models import Department, Lotse
from app.reports import figures, history
from app.reports.figures import PhaseInfo
from app.reports.scope import Period, Scope, from_query
from app.settings import get_settings
from app.web.i18n import gettext as _

OTHERS = "weitere"
NONE = "ohne"


@dataclass(frozen=True)
class Group:
    """A department as the figures show it: one large enough, the merged others, or none."""

    key: str
    name: str
    department_ids: frozenset[int | None]


def groups(session: Session, minimum: int | None = None) -> list[Group]:
    """The departments with at least `minimum` lotsen (the setting, unless the app runs with
    other settings), then the others merged ("weitere Fachbereiche"), then the measures of no
    department ("ohne")."""
    minimum = minimum or get_settings().report_min_lotsen
    counts = dict(
        session.exec(
            select(Lotse.department_id, func.count())
            .where(col(Lotse.active))
            .group_by(col(Lotse.department_id))
        ).all()
    )
    departments = list(session.exec(select(Department).order_by(col(Department.name))))
    people = {d.id: counts.get(d.id or 0, 0) for d in departments}
    large = [d for d in departments if people[d.id] >= minimum]
    small = [d for d in departments if people[d.id] < minimum]
    # The merged group must reach the minimum itself, or it is the figures of one or two
    # people after all: the smallest large departments join it until it does.
    merged = sum(people[d.id] for d in small)
    for department in sorted(large, key=lambda d: (people[d.id], d.name)):
        if not 0 < merged < minimum:
            break
        large.remove(department)
        small.append(department)
        merged += people[department.id]
    found = [Group(str(d.id), d.name, frozenset({d.id})) for d in large]
    if small:
        found.append(Group(OTHERS, _("Other departments"), frozenset(d.id for d in small)))
    found.append(Group(NONE, _("No department"), frozenset({None})))
    return found


class Report:
    """Every figure of one scope; each is computed when first asked."""

    def __init__(
        self,
        session: Session,
        scope: Scope,
        *,
        groups_: list[Group] | None = None,
        min_lotsen: int | None = None,
    ) -> None:
        assert scope.board.id is not None
        self.min_lotsen = min_lotsen or get_settings().report_min_lotsen
        self.session = session
        self.scope = scope
        self.board_id = scope.board.id
        self.until = scope.period.end
        self.phases_now = list(
            session.exec(
                select(Phase).where(Phase.board_id == self.board_id).order_by(col(Phase.position))
            )
        )
        self.started = boards.started_phase(self.phases_now, scope.board.started_phase_id)
        self.groups = groups_ if groups_ is not None else groups(session, self.min_lotsen)
        self._group_of = {d: g for g in self.groups for d in g.department_ids}
        key = history.board_key(session, self.board_id, scope.board.created_at)
        with history.replays.replay(session, board_id=self.board_id, key=key) as replay:
            self.phases = self._phase_infos(replay.removed_phases())
            # A copy: the kept replay may be fed new events while this report is read.
            every = [
                history.Path(p.card_id, p.created_at, p.fields, list(p.steps), list(p.edits))
                for p in replay.paths.values()
            ]
        self.fields = {path.card_id: path.fields_at(self.until) for path in every}
        self.paths = [p for p in every if self._in_scope(self.fields[p.card_id])]

    def _phase_infos(self, removed: Sequence[dict[str, Any]]) -> dict[int, PhaseInfo]:
        start_index = self.started.position if self.started is not None else len(self.phases_now)
        found = {
            p.id: PhaseInfo(p.id, p.name, p.position, p.is_done, p.position >= start_index)
            for p in self.phases_now
            if p.id is not None
        }
        for spec in removed:
            position = spec.get("position", 0)
            found.setdefault(
                spec["id"],
                PhaseInfo(
                    spec["id"],
                    spec["name"],
                    position,
                    bool(spec.get("is_done")),
                    position >= start_index,
                ),
            )
        return found

    def group_of(self, fields: dict[str, Any]) -> Group:
        return self._group_of.get(fields.get("department_id"), self.groups[-1])

    def _in_scope(self, fields: dict[str, Any]) -> bool:
        if self.scope.tag and self.scope.tag not in (fields.get("tags") or []):
            return False
        return not self.scope.department or self.group_of(fields).key == self.scope.department

    # --- figures ------------------------------------------------------------------------------

    @cached_property
    def flow(self) -> list[tuple[date, Counter[int]]]:
        """Measures per phase at the end of each day."""
        period = self.scope.period
        days = period.days()
        counts = figures.cumulative_flow(
            self.paths, self.phases, [period.day_end(day) for day in days]
        )
        return list(zip(days, counts, strict=True))

    @cached_property
    def flow_phases(self) -> list[PhaseInfo]:
        """The phases the flow shows: today's, and removed ones that held measures then."""
        held = {phase_id for _, counts in self.flow for phase_id in counts}
        return sorted(
            (p for p in self.phases.values() if p.id in held or p.id in self._current_ids),
            key=lambda p: (p.index, p.id),
        )

    @cached_property
    def _current_ids(self) -> set[int]:
        return {p.id for p in self.phases_now if p.id is not None}

    @cached_property
    def done(self) -> list[figures.Completion]:
        return figures.completions(self.paths, self.phases, self.scope.period.start, self.until)

    @cached_property
    def throughput(self) -> list[tuple[date, int]]:
        weeks = self.scope.period.weeks()
        counts = figures.throughput(self.done, [(start, end) for _, start, end in weeks])
        return [(monday, count) for (monday, _, _), count in zip(weeks, counts, strict=True)]

    @cached_property
    def lead_times(self) -> list[float]:
        return [c.lead_days for c in self.done]

    @cached_property
    def cycle_times(self) -> list[float]:
        return [c.cycle_days for c in self.done]

    @cached_property
    def time_in_phase(self) -> dict[int, list[float]]:
        return figures.time_in_phase(self.paths, self.scope.period.start, self.until)

    @cached_property
    def aging(self) -> list[figures.Aging]:
        usual = {
            phase_id: figures.percentile(values, 85)
            for phase_id, values in self.time_in_phase.items()
        }
        return figures.aging(self.paths, self.phases, usual, self.until)

    @cached_property
    def _annotations(self) -> annotation_figures.Log:
        ids = [p.card_id for p in self.paths]
        return annotation_figures.load(self.session, board_id=self.board_id, card_ids=ids)

    @cached_property
    def blocked(self) -> dict[str, tuple[timedelta, timedelta]]:
        """Per department group (and "" for all): (blocked, in progress) within the period."""
        blocks = annotation_figures.blocked_intervals(self._annotations, now=self.until)
        found: dict[str, list[timedelta]] = defaultdict(lambda: [timedelta(0), timedelta(0)])
        start = self.scope.period.start
        for path in self.paths:
            working = figures.in_progress(path, self.phases, start, self.until)
            if not working:
                continue
            blocked = figures.overlap(working, blocks.get(path.card_id, []))
            total = sum((high - low for low, high in working), timedelta(0))
            for key in ("", self.group_of(self.fields[path.card_id]).key):
                found[key][0] += blocked
                found[key][1] += total
        return {key: (pair[0], pair[1]) for key, pair in found.items()}

    @cached_property
    def annotation_weeks(self) -> list[tuple[date, Counter[Any], Counter[Any]]]:
        """Per calendar week: annotations raised and resolved, by category."""
        found = []
        log = self._annotations
        for monday, start, end in self.scope.period.weeks():
            in_week = [e for e in log.events if start <= e.created_at < end]
            found.append(
                (
                    monday,
                    _count(in_week, names.ANNOTATION_RAISED),
                    _count(in_week, names.ANNOTATION_RESOLVED),
                )
            )
        return found

    @cached_property
    def resolve_days(self) -> dict[Any, float]:
        """Median days to resolve, by category, for resolutions within the period."""
        window = (self.scope.period.start, self.until)
        found = annotation_figures.times_to_resolve(
            self._annotations.spans, by="category_id", within=window
        )
        return {key: median(figures.days(v) for v in values) for key, values in found.items()}

    @cached_property
    def categories(self) -> dict[int, str]:
        rows = self.session.exec(select(AnnotationCategory.id, AnnotationCategory.name)).all()
        return {category_id: name for category_id, name in rows if category_id is not None}

    def per_group(self) -> list[tuple[Group, int, float | None, float | None, int]]:
        """Per department group: measures done, lead time p50 and p85, work in progress."""
        done: dict[str, list[float]] = defaultdict(list)
        for item in self.done:
            done[self.group_of(self.fields[item.card_id]).key].append(item.lead_days)
        wip = Counter(self.group_of(self.fields[a.card_id]).key for a in self.aging)
        return [
            (
                group,
                len(done[group.key]),
                figures.percentile(done[group.key], 50),
                figures.percentile(done[group.key], 85),
                wip[group.key],
            )
            for group in self.groups
            if not self.scope.department or group.key == self.scope.department
        ]


def _count(events: Sequence[Any], kind: str) -> Counter[Any]:
    return Counter(
        (e.payload.get("annotation") or {}).get("category_id") for e in events if e.type == kind
    )


def report_for(
    session: Session,
    board: Board,
    params: Mapping[str, str],
    *,
    min_lotsen: int,
    groups_: list[Group] | None = None,
) -> Report:
    """The report a query asks for (pages, downloads, API); refuses a bad scope."""
    found = groups_ if groups_ is not None else groups(session, min_lotsen)
    chosen = from_query(session, board, params, group_keys={g.key for g in found})
    return Report(session, chosen, groups_=found, min_lotsen=min_lotsen)


@dataclass(frozen=True)
class Summary:
    """A board's flow over a span of days in one sentence: for the digest and the agenda."""

    done: int
    lead_p85: float | None  # days, of the measures done
    in_work: int
    longer_than_usual: int
    blocked_share: float | None  # of the time in work


def summary(
    session: Session,
    *,
    board: Board,
    first: date,
    last: date,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Summary:
    """The whole board's figures from `first` to `last` (local days, up to now), or from
    `start` to `end` within them."""
    zone = get_settings().zone
    report = Report(session, Scope(board, Period(first, last, zone, start, end)))
    stopped, working = report.blocked.get("", (timedelta(0), timedelta(0)))
    return Summary(
        done=len(report.done),
        lead_p85=figures.percentile(report.lead_times, 85),
        in_work=len(report.aging),
        longer_than_usual=sum(1 for item in report.aging if item.over),
        blocked_share=stopped / working if working else None,
    )
