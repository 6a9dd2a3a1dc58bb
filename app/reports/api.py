"""JSON routes of the reports: every figure of the Auswertung pages, for the same scope.

All take the same query: `period` (4w, quarter, year, meeting, custom), `from`/`until` (custom),
`meeting` (the day of a Lotsentreffen that took place), `department` (a department group's key
from `/reports/departments`: a department id, `weitere` or `ohne`), `tag`. There is no figure per
person, and departments with fewer lotsen than the instance's minimum only appear merged."""

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlmodel import Session

from app.boards.models import Board
from app.db import SessionDep
from app.reports import figures, scope, service
from app.web.deps import BoardDep

router = APIRouter(tags=["reports"])


class ReportQuery(BaseModel):
    """The scope of a report (documented here; read from the query)."""

    period: scope.Preset = scope.Preset.weeks4
    from_: date | None = None
    until: date | None = None
    meeting: date | None = None
    department: str | None = None
    tag: str | None = None


def report_query(
    period: Annotated[scope.Preset, Query()] = scope.Preset.weeks4,
    from_: Annotated[date | None, Query(alias="from")] = None,
    until: Annotated[date | None, Query()] = None,
    meeting: Annotated[date | None, Query()] = None,
    department: Annotated[str | None, Query(max_length=20)] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
) -> ReportQuery:
    return ReportQuery(
        period=period, from_=from_, until=until, meeting=meeting, department=department, tag=tag
    )


Scoped = Annotated[ReportQuery, Depends(report_query)]


class ScopeRead(BaseModel):
    board_id: int
    period: str
    first_day: date
    last_day: date
    start: datetime
    end: datetime
    department: str | None
    tag: str | None
    started_phase_id: int | None
    min_lotsen: int


def _report(session: Session, board: Board, request: Request) -> service.Report:
    minimum = request.app.state.settings.report_min_lotsen
    return service.report_for(session, board, request.query_params, min_lotsen=minimum)


def _scope(report: service.Report) -> ScopeRead:
    chosen = report.scope
    return ScopeRead(
        board_id=report.board_id,
        period=chosen.preset.value,
        first_day=chosen.period.first,
        last_day=chosen.period.last,
        start=chosen.period.start,
        end=report.until,
        department=chosen.department,
        tag=chosen.tag,
        started_phase_id=report.started.id if report.started else None,
        min_lotsen=report.min_lotsen,
    )


class PhaseRef(BaseModel):
    id: int
    name: str
    is_done: bool


class FlowDay(BaseModel):
    day: date
    counts: dict[int, int]


class FlowRead(BaseModel):
    scope: ScopeRead
    phases: list[PhaseRef]
    days: list[FlowDay]


@router.get("/boards/{board_id}/reports/flow", response_model=FlowRead)
def flow(board: BoardDep, session: SessionDep, request: Request, _query: Scoped) -> object:
    """Cumulative flow: measures per phase (id → count) at the end of each day."""
    report = _report(session, board, request)
    return FlowRead(
        scope=_scope(report),
        phases=[PhaseRef(id=p.id, name=p.name, is_done=p.is_done) for p in report.flow_phases],
        days=[FlowDay(day=day, counts=dict(counts)) for day, counts in report.flow],
    )


class Week(BaseModel):
    week_start: date
    calendar_week: int
    done: int


class ThroughputRead(BaseModel):
    scope: ScopeRead
    weeks: list[Week]


@router.get("/boards/{board_id}/reports/throughput", response_model=ThroughputRead)
def throughput(board: BoardDep, session: SessionDep, request: Request, _query: Scoped) -> object:
    """Measures done per calendar week (each measure once, when it last became done)."""
    report = _report(session, board, request)
    weeks = [
        Week(week_start=monday, calendar_week=monday.isocalendar().week, done=count)
        for monday, count in report.throughput
    ]
    return ThroughputRead(scope=_scope(report), weeks=weeks)


class DistributionRead(BaseModel):
    scope: ScopeRead
    count: int
    p50: float | None
    p85: float | None
    p95: float | None
    days: list[float]


def _distribution(report: service.Report, values: list[float]) -> DistributionRead:
    found = figures.distribution(values)
    return DistributionRead(
        scope=_scope(report),
        count=len(values),
        p50=found[50],
        p85=found[85],
        p95=found[95],
        days=sorted(values),
    )


@router.get("/boards/{board_id}/reports/lead-time", response_model=DistributionRead)
def lead_time(board: BoardDep, session: SessionDep, request: Request, _query: Scoped) -> object:
    """Days from creation to done of the measures done in the period; nearest-rank
    percentiles."""
    report = _report(session, board, request)
    return _distribution(report, report.lead_times)


@router.get("/boards/{board_id}/reports/cycle-time", response_model=DistributionRead)
def cycle_time(board: BoardDep, session: SessionDep, request: Request, _query: Scoped) -> object:
    """Days from the first entry into the started phase (or a later one) to done."""
    report = _report(session, board, request)
    return _distribution(report, report.cycle_times)


class PhaseTime(BaseModel):
    id: int
    name: str
    stays: int
    p50: float | None
    p85: float | None
    p95: float | None


class TimeInPhaseRead(BaseModel):
    scope: ScopeRead
    phases: list[PhaseTime]


@router.get("/boards/{board_id}/reports/time-in-phase", response_model=TimeInPhaseRead)
def time_in_phase(board: BoardDep, session: SessionDep, request: Request, _query: Scoped) -> object:
    """Days in each phase, of the stays that ended within the period."""
    report = _report(session, board, request)
    found = []
    for phase in report.flow_phases:
        values = report.time_in_phase.get(phase.id, [])
        levels = figures.distribution(values)
        found.append(
            PhaseTime(
                id=phase.id,
                name=phase.name,
                stays=len(values),
                p50=levels[50],
                p85=levels[85],
                p95=levels[95],
            )
        )
    return TimeInPhaseRead(scope=_scope(report), phases=found)


class AgingMeasure(BaseModel):
    card_id: int
    title: str
    department: str
    phase_id: int
    days: float
    usual_days: float | None
    longer_than_usual: bool


class AgingRead(BaseModel):
    scope: ScopeRead
    measures: list[AgingMeasure]


@router.get("/boards/{board_id}/reports/aging", response_model=AgingRead)
def aging(board: BoardDep, session: SessionDep, request: Request, _query: Scoped) -> object:
    """Measures in work at the end of the period: days in their phase against the phase's 85th
    percentile; the department as the reports group it."""
    report = _report(session, board, request)
    measures = [
        AgingMeasure(
            card_id=item.card_id,
            title=str(report.fields[item.card_id].get("title", "")),
            department=report.group_of(report.fields[item.card_id]).key,
            phase_id=item.phase_id,
            days=item.days,
            usual_days=item.usual,
            longer_than_usual=item.over,
        )
        for item in report.aging
    ]
    return AgingRead(scope=_scope(report), measures=measures)


class BlockedGroup(BaseModel):
    department: str  # a group key; "" for all
    in_work_days: float
    blocked_days: float
    share: float | None


class BlockedRead(BaseModel):
    scope: ScopeRead
    groups: list[BlockedGroup]


@router.get("/boards/{board_id}/reports/blocked", response_model=BlockedRead)
def blocked(board: BoardDep, session: SessionDep, request: Request, _query: Scoped) -> object:
    """The share of the time in work that measures were blocked, in all and per department."""
    report = _report(session, board, request)
    found = []
    for key, (stopped, working) in sorted(report.blocked.items()):
        found.append(
            BlockedGroup(
                department=key,
                in_work_days=figures.days(working),
                blocked_days=figures.days(stopped),
                share=stopped / working if working else None,
            )
        )
    return BlockedRead(scope=_scope(report), groups=found)


class DepartmentFigures(BaseModel):
    key: str
    name: str
    done: int
    lead_time_p50: float | None
    lead_time_p85: float | None
    in_work: int


class DepartmentsRead(BaseModel):
    scope: ScopeRead
    departments: list[DepartmentFigures]


@router.get("/boards/{board_id}/reports/departments", response_model=DepartmentsRead)
def departments(board: BoardDep, session: SessionDep, request: Request, _query: Scoped) -> object:
    """Per department group: measures done, their lead time, measures in work."""
    report = _report(session, board, request)
    rows = [
        DepartmentFigures(
            key=group.key,
            name=group.name,
            done=done,
            lead_time_p50=p50,
            lead_time_p85=p85,
            in_work=wip,
        )
        for group, done, p50, p85, wip in report.per_group()
    ]
    return DepartmentsRead(scope=_scope(report), departments=rows)


class AnnotationWeek(BaseModel):
    week_start: date
    calendar_week: int
    raised: dict[str, int]  # category id ("" without one) → count
    resolved: dict[str, int]


class ResolveTime(BaseModel):
    category_id: int | None
    median_days: float


class AnnotationsRead(BaseModel):
    scope: ScopeRead
    weeks: list[AnnotationWeek]
    time_to_resolve: list[ResolveTime]


@router.get("/boards/{board_id}/reports/annotations", response_model=AnnotationsRead)
def annotations(board: BoardDep, session: SessionDep, request: Request, _query: Scoped) -> object:
    """Concerns and resistances raised and resolved per week by category, and the median days
    to resolve of the resolutions within the period."""
    report = _report(session, board, request)

    def by_category(counts: dict[object, int]) -> dict[str, int]:
        return {("" if key is None else str(key)): count for key, count in counts.items()}

    weeks = [
        AnnotationWeek(
            week_start=monday,
            calendar_week=monday.isocalendar().week,
            raised=by_category(raised),
            resolved=by_category(resolved),
        )
        for monday, raised, resolved in report.annotation_weeks
    ]
    times = [
        ResolveTime(category_id=key if isinstance(key, int) else None, median_days=value)
        for key, value in report.resolve_days.items()
    ]
    return AnnotationsRead(scope=_scope(report), weeks=weeks, time_to_resolve=times)
