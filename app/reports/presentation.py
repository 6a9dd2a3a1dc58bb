"""What a report page shows for each table: its chart and its reading aid."""

import math
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from app.reports import charts, tables
from app.reports.figures import distribution
from app.reports.service import Report, Summary
from app.web.downloads import Cell, Table
from app.web.i18n import date_format, ngettext, number_format
from app.web.i18n import gettext as _

OVER = "#d55e00"
WITHIN = "#0072b2"


@dataclass(frozen=True)
class Figure:
    table: Table
    chart: Markup
    aid: str
    chart_note: str = ""


def figure(report: Report, slug: str) -> Figure:
    table = tables.BUILDERS[slug](report)
    return Figure(table, chart(report, slug, table), tables.reading_aid(report, slug), note(slug))


def note(slug: str) -> str:
    """How to read the chart, where its marks need saying."""
    if slug in ("lead-time", "cycle-time"):
        return _(
            "Bars: measures per week of time taken; "
            "dashed lines: the 50th, 85th and 95th percentile."
        )
    if slug == "time-in-phase":
        return _("Bars: the 85th percentile of the days in each phase.")
    if slug == "aging":
        return _(
            "The twelve longest; orange: in the phase longer than 85 % of earlier stays there."
        )
    return ""


def chart(report: Report, slug: str, table: Table) -> Markup:
    if slug == "cumulative-flow":
        phases = list(reversed(report.flow_phases))
        tones = charts.colours(len(phases), [p.is_done for p in phases])
        labels = [date_format(day, "dd.MM.") for day, _counts in report.flow]
        series = [
            charts.Series(
                phase.name, [counts.get(phase.id, 0) for _day, counts in report.flow], tone
            )
            for phase, tone in zip(phases, tones, strict=True)
        ]
        return charts.stacked_area(labels, series)
    if slug == "throughput":
        labels = [tables.week_label(monday) for monday, _count in report.throughput]
        done = [float(count) for _monday, count in report.throughput]
        return charts.bars(labels, [charts.Series(_("Done"), done, charts.DONE)])
    if slug in ("lead-time", "cycle-time"):
        values = report.lead_times if slug == "lead-time" else report.cycle_times
        counts = [float(row[1]) for row in table.rows if isinstance(row[1], int)]
        labels = [f"{7 * n}–{7 * (n + 1)}" for n in range(len(counts))]
        found = distribution(values)
        marks = [(value / 7, f"{level} %") for level, value in found.items() if value is not None]
        return charts.bars(labels, [charts.Series(_("Measures"), counts, WITHIN)], marks)
    if slug == "time-in-phase":
        # The 85th percentile: the usual longest stay, as aging compares with it.
        rows = [(str(row[0]), _number(row[3])) for row in table.rows]
        return charts.horizontal(rows, WITHIN, _(" days"), number_format)
    if slug == "aging":
        shown = report.aging[:12]
        rows = [(str(report.fields[a.card_id].get("title", "")), round(a.days, 1)) for a in shown]
        tones = [OVER if a.over else WITHIN for a in shown]
        return charts.horizontal(rows, tones, _(" days"), number_format)
    if slug == "blocked":
        rows = [(str(row[0]), _number(row[3])) for row in table.rows]
        return charts.horizontal(rows, OVER, " %", number_format)
    if slug == "departments":
        rows = [(str(row[0]), _number(row[1])) for row in table.rows]
        return charts.horizontal(rows, charts.DONE)
    if slug == "annotations":
        labels = [str(row[0]) for row in table.rows]
        raised = [_number(row[2]) for row in table.rows]
        resolved = [_number(row[3]) for row in table.rows]
        return charts.bars(
            labels,
            [
                charts.Series(_("Raised"), raised, OVER),
                charts.Series(_("Resolved"), resolved, charts.DONE),
            ],
        )
    return Markup("")


def summary_text(found: Summary) -> str:
    """The sentence a digest or an agenda says about the board's flow."""
    parts = [ngettext("%(num)s measure done", "%(num)s measures done", found.done)]
    if found.lead_p85 is not None:
        parts[0] += " " + _(
            "(85 %% within %(days)s days of creation)", days=math.ceil(found.lead_p85)
        )
    parts.append(ngettext("%(num)s in work", "%(num)s in work", found.in_work))
    if found.longer_than_usual:
        parts.append(
            ngettext(
                "%(num)s of them longer in their phase than usual",
                "%(num)s of them longer in their phase than usual",
                found.longer_than_usual,
            )
        )
    if found.blocked_share:
        parts.append(
            _("blocked %(share)s %% of the time in work", share=round(100 * found.blocked_share))
        )
    return ", ".join(parts) + "."


def _number(value: Cell) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def cell_text(value: Cell) -> str:
    """A table cell as the page shows it: German dates and decimal commas."""
    if value is None:
        return "–"
    if isinstance(value, date):
        return date_format(value, "dd.MM.yyyy")
    if isinstance(value, float):
        return number_format(value)
    return str(value)
