"""Server-side SVG charts (no JavaScript): weekly bars and a line, every mark a link.

Each chart is an ``<svg role="group">`` labelled with its title and total; each bar or point is
a link to the cases behind it, named (``aria-label``) and titled (tooltip) with its value.  The
templates print the same numbers in a table next to the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 680, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 34
#: show at most this many x-axis labels
MAX_LABELS = 9


@dataclass(frozen=True)
class Series:
    """The values of a chart, their labels (one per bucket) and where each links to."""

    title: str
    values: list[int]
    labels: list[str]
    hrefs: list[str]
    unit: str


def _nice_top(peak: float) -> int:
    """A round axis maximum at or above ``peak``."""
    if peak <= 5:
        return 5
    magnitude = 10 ** (len(str(int(peak))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= peak:
            return int(top)
    return int(peak)


def _frame(series: Series, top: int, body: list[str]) -> Markup:
    plot_h = HEIGHT - TOP - BOTTOM
    lines = []
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        value = round(top * fraction)
        lines.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="app-chart__grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'class="app-chart__axis">{value}</text>'
        )
    step = max(1, -(-len(series.labels) // MAX_LABELS))
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(series.values))
    for index in range(0, len(series.labels), step):
        x = LEFT + slot * (index + 0.5)
        lines.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle" '
            f'class="app-chart__axis">{escape(series.labels[index])}</text>'
        )
    total = sum(series.values)
    description = f"{total} {series.unit} over {len(series.values)} periods"
    svg = (
        f'<svg class="app-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="group" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(series.title)}: '
        f'{escape(description)}">' + "".join(lines) + "".join(body) + "</svg>"
    )
    return Markup(svg)  # every interpolated text is escaped above


def bar_chart(series: Series) -> Markup:
    """Vertical bars, one per bucket, each linking to its cases."""
    top = _nice_top(max(series.values, default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(series.values))
    bars = []
    for index, value in enumerate(series.values):
        height = plot_h * value / top if top else 0
        x = LEFT + slot * index + slot * 0.12
        tip = f"{series.labels[index]}: {value} {series.unit}"
        bars.append(
            f'<a href="{escape(series.hrefs[index])}" class="app-chart__link" '
            f'aria-label="{escape(tip)}"><rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" '
            f'width="{slot * 0.76:.1f}" height="{max(height, 0.5):.1f}" '
            f'class="app-chart__bar"><title>{escape(tip)}</title></rect></a>'
        )
    return _frame(series, top, bars)


def line_chart(series: Series) -> Markup:
    """A line through the buckets' values, with a linked point on each."""
    top = _nice_top(max(series.values, default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(series.values))
    points = [
        (LEFT + slot * (index + 0.5), TOP + plot_h * (1 - (value / top if top else 0)))
        for index, value in enumerate(series.values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    body = [f'<polyline points="{path}" class="app-chart__line"/>']
    for index, (x, y) in enumerate(points):
        tip = f"{series.labels[index]}: {series.values[index]} {series.unit}"
        body.append(
            f'<a href="{escape(series.hrefs[index])}" class="app-chart__link" '
            f'aria-label="{escape(tip)}"><circle cx="{x:.1f}" cy="{y:.1f}" r="4" '
            f'class="app-chart__point"><title>{escape(tip)}</title></circle></a>'
        )
    return _frame(series, top, body)
