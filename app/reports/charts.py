"""Charts as SVG drawn on the server: nothing to download, nothing to run in the browser, and
printable. Each chart is decorative beside its table (the table is the text alternative), so
the SVG carries `aria-hidden` and every label in it is escaped."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 40
# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c7e00", "#555")
DONE = "#4d7a5a"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    colour: str


def colours(count: int, done: Sequence[bool]) -> list[str]:
    """A colour per phase; done phases share a calm green."""
    found, index = [], 0
    for position in range(count):
        if done[position]:
            found.append(DONE)
        else:
            found.append(PALETTE[index % len(PALETTE)])
            index += 1
    return found


def _nice(top: float) -> float:
    """A round upper bound for an axis of four equal, whole steps."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if 4 * step >= top:
            return 4 * step
    return float(4 * (int(top / 4) + 1))


def _svg(body: list[str], legend: Sequence[Series] = (), height: float = HEIGHT) -> Markup:
    keys = "".join(
        f'<span class="legend__key"><span class="legend__swatch" style="--swatch:{s.colour}">'
        f"</span>{escape(s.name)}</span>"
        for s in legend
    )
    svg = (
        f'<svg class="chart__svg" viewBox="0 0 {WIDTH} {height:.0f}" aria-hidden="true" '
        f'focusable="false" preserveAspectRatio="xMidYMid meet">{"".join(body)}</svg>'
    )
    return Markup(svg + (f'<p class="legend" aria-hidden="true">{keys}</p>' if keys else ""))


def _axes(top: float, labels: Sequence[str]) -> list[str]:
    """The y grid with values and up to ~12 x labels."""
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    for n in range(5):
        value = top * n / 4
        y = TOP + plot_h - plot_h * n / 4
        parts.append(
            f'<line class="chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart__tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{value:g}</text>"
        )
    if labels:
        step = max(1, -(-len(labels) // 12))
        slot = (WIDTH - LEFT - RIGHT) / len(labels)
        for index in range(0, len(labels), step):
            x = LEFT + slot * (index + 0.5)
            parts.append(
                f'<text class="chart__tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(labels[index])}</text>'
            )
    return parts


def stacked_area(labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """A cumulative flow: the first series at the bottom."""
    if not labels:
        return Markup("")
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = _nice(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(labels)

    def point(index: int, value: float) -> str:
        return f"{LEFT + slot * (index + 0.5):.1f},{TOP + plot_h - plot_h * value / top:.1f}"

    body = _axes(top, labels)
    base = [0.0] * len(labels)
    for item in series:
        upper = [base[i] + item.values[i] for i in range(len(labels))]
        outline = [point(i, upper[i]) for i in range(len(labels))]
        outline += [point(i, base[i]) for i in reversed(range(len(labels)))]
        body.append(f'<polygon points="{" ".join(outline)}" fill="{item.colour}"/>')
        base = upper
    return _svg(body, legend=list(reversed(series)))


def bars(
    labels: Sequence[str], series: Sequence[Series], marks: Sequence[tuple[float, str]] = ()
) -> Markup:
    """Vertical bars, one group per label; `marks` draws labelled dashed lines at those x
    positions (in units of label slots: percentiles on a histogram)."""
    if not labels:
        return Markup("")
    top = _nice(max((v for s in series for v in s.values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(labels)
    width = slot * 0.8 / max(1, len(series))
    body = _axes(top, labels)
    for number, item in enumerate(series):
        for index, value in enumerate(item.values):
            height = plot_h * value / top
            x = LEFT + slot * index + slot * 0.1 + width * number
            body.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="{item.colour}"/>'
            )
    for number, (at, text) in enumerate(marks):
        x = LEFT + slot * at
        # Near the right edge the label goes to the left of its line.
        anchor, shift = ("end", -3) if x > WIDTH - RIGHT - 40 else ("start", 3)
        body.append(
            f'<line class="chart__mark" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP + 14}" '
            f'y2="{TOP + plot_h}"/><text class="chart__label" x="{x + shift:.1f}" '
            f'y="{TOP + 10 + 12 * (number % 2)}" text-anchor="{anchor}">{escape(text)}</text>'
        )
    return _svg(body, legend=series if len(series) > 1 else ())


def horizontal(
    rows: Sequence[tuple[str, float]],
    colour: str | Sequence[str],
    unit: str = "",
    number: Callable[[float], str] = "{:g}".format,
) -> Markup:
    """One bar per row, labelled on the left, value on the bar's end (a colour per row, or
    one for all)."""
    if not rows:
        return Markup("")
    top = _nice(max(value for _, value in rows))
    row_h = 28.0
    label_w = 220
    plot_w = WIDTH - label_w - RIGHT - 48
    body = []
    for index, (label, value) in enumerate(rows):
        y = TOP + row_h * index
        width = plot_w * value / top
        text = escape(label if len(label) <= 32 else label[:31] + "…")
        fill = colour if isinstance(colour, str) else colour[index]
        body.append(
            f'<text class="chart__tick" x="{label_w - 8}" y="{y + row_h * 0.65:.1f}" '
            f'text-anchor="end">{text}</text>'
            f'<rect x="{label_w}" y="{y + row_h * 0.15:.1f}" width="{width:.1f}" '
            f'height="{row_h * 0.7:.1f}" fill="{fill}"/>'
            f'<text class="chart__tick" x="{label_w + width + 6:.1f}" '
            f'y="{y + row_h * 0.65:.1f}">{escape(number(value))}{escape(unit)}</text>'
        )
    return _svg(body, height=TOP + row_h * len(rows) + 8)
