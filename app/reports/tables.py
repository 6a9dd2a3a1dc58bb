"""The figures of a report as tables: what each chart shows, as text (its accessible
alternative), and what the CSV and XLSX downloads contain."""

import math
from collections.abc import Callable
from datetime import date, timedelta

from app.reports.figures import LEVELS, distribution, percentile
from app.reports.service import Report
from app.web.downloads import Cell, Table
from app.web.i18n import gettext as _

# The page groups and the tables each shows, in order.
GROUPS: dict[str, tuple[str, ...]] = {
    "flow": ("cumulative-flow", "throughput"),
    "times": ("times", "lead-time", "cycle-time", "time-in-phase"),
    "work": ("aging", "blocked"),
    "departments": ("departments",),
    "annotations": ("annotations", "time-to-resolve"),
}


def group_title(group: str) -> str:
    return {
        "flow": _("Flow"),
        "times": _("Lead and cycle times"),
        "work": _("Work in progress"),
        "departments": _("Departments"),
        "annotations": _("Concerns & resistances"),
    }[group]


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def week_label(monday: date) -> str:
    return _("CW %(week)s", week=monday.isocalendar().week)


def cumulative_flow(report: Report) -> Table:
    phases = report.flow_phases
    rows: list[list[Cell]] = [
        [day, *(counts.get(phase.id, 0) for phase in phases)] for day, counts in report.flow
    ]
    return Table(
        "cumulative-flow",
        _("Measures per phase at the end of each day"),
        [_("Day"), *(phase.name for phase in phases)],
        rows,
    )


def throughput(report: Report) -> Table:
    rows: list[list[Cell]] = [
        [week_label(monday), max(monday, report.scope.period.first), count]
        for monday, count in report.throughput
    ]
    return Table(
        "throughput",
        _("Measures done per week"),
        [_("Calendar week"), _("Week from"), _("Done")],
        rows,
    )


def times(report: Report) -> Table:
    rows: list[list[Cell]] = []
    for label, values in (
        (_("Lead time"), report.lead_times),
        (_("Cycle time"), report.cycle_times),
    ):
        found = distribution(values)
        rows.append([label, len(values), *(rounded(found[level]) for level in LEVELS)])
    return Table(
        "times",
        _("Lead and cycle time in days (percentiles)"),
        [_("Figure"), _("Measures"), *(_("%(level)s %%", level=level) for level in LEVELS)],
        rows,
    )


def _bins(values: list[float]) -> list[tuple[int, int, int]]:
    """Weekly bins (from, to, count) that cover all values."""
    if not values:
        return []
    weeks = max(1, math.floor(max(values) / 7) + 1)
    counts = [0] * weeks
    for value in values:
        counts[min(int(value // 7), weeks - 1)] += 1
    return [(7 * n, 7 * (n + 1), count) for n, count in enumerate(counts)]


def _distribution_table(slug: str, title: str, values: list[float]) -> Table:
    rows: list[list[Cell]] = [
        [_("%(low)s to under %(high)s days", low=low, high=high), count]
        for low, high, count in _bins(values)
    ]
    return Table(slug, title, [_("Days"), _("Measures")], rows)


def lead_time(report: Report) -> Table:
    return _distribution_table(
        "lead-time", _("Lead time: from creation to done"), report.lead_times
    )


def cycle_time(report: Report) -> Table:
    return _distribution_table(
        "cycle-time", _("Cycle time: from start of work to done"), report.cycle_times
    )


def time_in_phase(report: Report) -> Table:
    rows: list[list[Cell]] = []
    for phase in report.flow_phases:
        values = report.time_in_phase.get(phase.id, [])
        found = distribution(values)
        rows.append([phase.name, len(values), *(rounded(found[level]) for level in LEVELS)])
    return Table(
        "time-in-phase",
        _("Days in each phase (stays that ended in the period)"),
        [_("Phase"), _("Stays"), *(_("%(level)s %%", level=level) for level in LEVELS)],
        rows,
    )


def aging(report: Report) -> Table:
    rows: list[list[Cell]] = []
    for item in report.aging:
        fields = report.fields[item.card_id]
        phase = report.phases.get(item.phase_id)
        rows.append(
            [
                fields.get("title", ""),
                report.group_of(fields).name,
                phase.name if phase else "",
                rounded(item.days),
                rounded(item.usual),
                _("yes") if item.over else _("no"),
            ]
        )
    return Table(
        "aging",
        _("Work in progress: days in the current phase"),
        [
            _("Measure"),
            _("Department"),
            _("Phase"),
            _("Days in phase"),
            _("Usual (85 %)"),
            _("Longer than usual"),
        ],
        rows,
    )


def blocked(report: Report) -> Table:
    rows: list[list[Cell]] = []
    figures = report.blocked
    for key, name in [("", _("All departments"))] + [(g.key, g.name) for g in report.groups]:
        if key not in figures:
            continue
        stopped, working = figures[key]
        share = 100 * stopped / working if working else 0.0
        rows.append(
            [
                name,
                rounded(working.total_seconds() / 86400),
                rounded(stopped.total_seconds() / 86400),
                rounded(share),
            ]
        )
    return Table(
        "blocked",
        _("Blocked share of the time in work"),
        [_("Department"), _("Days in work"), _("Of which blocked"), _("Share in %")],
        rows,
    )


def departments(report: Report) -> Table:
    rows: list[list[Cell]] = [
        [group.name, done, rounded(p50), rounded(p85), wip]
        for group, done, p50, p85, wip in report.per_group()
    ]
    return Table(
        "departments",
        _("Measures per department"),
        [_("Department"), _("Done"), _("Lead time 50 %"), _("Lead time 85 %"), _("In work")],
        rows,
    )


def annotations(report: Report) -> Table:
    """Per week the totals (what the chart shows), then raised and resolved per category."""
    keys = sorted(
        {key for _monday, up, down in report.annotation_weeks for key in (*up, *down)},
        key=lambda key: (not isinstance(key, int), _category(report, key).casefold()),
    )
    rows: list[list[Cell]] = []
    for monday, raised, resolved in report.annotation_weeks:
        first = max(monday, report.scope.period.first)
        row: list[Cell] = [week_label(monday), first, sum(raised.values()), sum(resolved.values())]
        for key in keys:
            row += [raised.get(key, 0), resolved.get(key, 0)]
        rows.append(row)
    columns = [_("Calendar week"), _("Week from"), _("Raised"), _("Resolved")]
    for key in keys:
        name = _category(report, key)
        columns += [
            _("%(category)s: raised", category=name),
            _("%(category)s: resolved", category=name),
        ]
    return Table(
        "annotations",
        _("Concerns and resistances raised and resolved per week, by category"),
        columns,
        rows,
    )


def _category(report: Report, key: object) -> str:
    if isinstance(key, int):
        return report.categories.get(key, _("No category"))
    return _("No category")


def time_to_resolve(report: Report) -> Table:
    raised: dict[object, int] = {}
    resolved: dict[object, int] = {}
    for _monday, up, down in report.annotation_weeks:
        for key, count in up.items():
            raised[key] = raised.get(key, 0) + count
        for key, count in down.items():
            resolved[key] = resolved.get(key, 0) + count
    keys = sorted(set(raised) | set(resolved) | set(report.resolve_days), key=str)
    rows: list[list[Cell]] = [
        [
            _category(report, key),
            raised.get(key, 0),
            resolved.get(key, 0),
            rounded(report.resolve_days.get(key)),
        ]
        for key in keys
    ]
    return Table(
        "time-to-resolve",
        _("By category: raised, resolved, median days to resolve"),
        [_("Category"), _("Raised"), _("Resolved"), _("Median days to resolve")],
        rows,
    )


BUILDERS: dict[str, Callable[[Report], Table]] = {
    "cumulative-flow": cumulative_flow,
    "throughput": throughput,
    "times": times,
    "lead-time": lead_time,
    "cycle-time": cycle_time,
    "time-in-phase": time_in_phase,
    "aging": aging,
    "blocked": blocked,
    "departments": departments,
    "annotations": annotations,
    "time-to-resolve": time_to_resolve,
}


def reading_aid(report: Report, slug: str) -> str:
    """One sentence that says what the chart shows, in words."""
    if slug == "lead-time":
        return _share_sentence(
            report.lead_times,
            _(
                "%(share)s %% of the measures done in the period took at most %(days)s days "
                "from creation to done."
            ),
        )
    if slug == "cycle-time":
        return _share_sentence(
            report.cycle_times,
            _(
                "%(share)s %% of the measures done in the period took at most %(days)s days "
                "from start of work to done."
            ),
        )
    if slug == "throughput":
        total = sum(count for _monday, count in report.throughput)
        weeks = len(report.throughput)
        return _(
            "%(total)s measures were done in %(weeks)s calendar weeks.", total=total, weeks=weeks
        )
    if slug == "cumulative-flow":
        if not report.flow:
            return _("The period has not begun yet.")
        counts = report.flow[-1][1]
        done = sum(counts.get(p.id, 0) for p in report.flow_phases if p.is_done)
        return _(
            "At the end of the period %(total)s measures were on the board, %(done)s of them done.",
            total=sum(counts.values()),
            done=done,
        )
    if slug == "aging":
        over = sum(1 for item in report.aging if item.over)
        return _(
            "%(over)s of %(total)s measures in work have been in their phase longer than 85 %% "
            "of earlier stays there.",
            over=over,
            total=len(report.aging),
        )
    if slug == "blocked":
        stopped, working = report.blocked.get("", (timedelta(0), timedelta(0)))
        if not working:
            return _("No measure was in work during the period.")
        share = round(100 * stopped / working)
        return _("Measures in work were blocked %(share)s %% of the time.", share=share)
    if slug == "annotations":
        raised = sum(sum(up.values()) for _monday, up, _down in report.annotation_weeks)
        resolved = sum(sum(down.values()) for _monday, _up, down in report.annotation_weeks)
        return _(
            "%(raised)s concerns and resistances were raised in the period, %(resolved)s resolved.",
            raised=raised,
            resolved=resolved,
        )
    return ""


def _share_sentence(values: list[float], sentence: str) -> str:
    if not values:
        return _("No measure was done in the period.")
    days = percentile(values, 85)
    assert days is not None
    return sentence % {"share": 85, "days": math.ceil(days)}
