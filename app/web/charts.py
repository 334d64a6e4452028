"""A small server-rendered SVG chart of weekly attendance against the 90% and 50% lines.

The weeks come from the pupil's stored register marks when there are any; otherwise the chart
shows the one figure the school gave in its notification (sessions attended / possible).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from service_tasks.attendance import Mark, attendance_percentage, category

#: persistent absence below 90%, severe absence below 50% (DfE definitions)
EXPECTED, SEVERE = 90, 50
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 36
MAX_WEEKS = 26


@dataclass(frozen=True)
class WeekPoint:
    """Attendance for one school week (or the whole notification period)."""

    label: str
    present: int
    possible: int
    pct: float | None


@dataclass(frozen=True)
class Bar:
    """One bar's geometry and its words."""

    x: float
    y: float
    width: float
    height: float
    label: str
    pct: float
    tone: str


@dataclass(frozen=True)
class Chart:
    """Everything the SVG template draws."""

    width: int
    height: int
    bars: list[Bar]
    lines: list[tuple[float, str]]
    ticks: list[tuple[float, str]]
    points: list[WeekPoint]
    source: str


def weekly_points(marks: Iterable[Mark]) -> list[WeekPoint]:
    """Attendance per school week (weeks start on Monday), oldest first, last 26 weeks."""
    weeks: dict[date, list[str]] = defaultdict(list)
    for day, _session, code in marks:
        weeks[day - timedelta(days=day.weekday())].append(category(code))
    points = []
    for monday in sorted(weeks)[-MAX_WEEKS:]:
        kinds = weeks[monday]
        present = kinds.count("present")
        possible = present + kinds.count("authorised") + kinds.count("unauthorised")
        label = f"{monday.day} {monday:%b}"
        points.append(WeekPoint(label, present, possible, attendance_percentage(present, possible)))
    return [p for p in points if p.pct is not None]


def notification_point(attendance: dict[str, Any]) -> list[WeekPoint]:
    """The notification's own figure as a single point (empty when it has none)."""
    possible = attendance.get("possible_sessions")
    present = attendance.get("attended_sessions")
    if not isinstance(possible, int) or not isinstance(present, int) or possible <= 0:
        return []
    label = "Notification period"
    return [WeekPoint(label, present, possible, attendance_percentage(present, possible))]


def _y(pct: float) -> float:
    return TOP + (100 - pct) / 100 * (HEIGHT - TOP - BOTTOM)


def _tone(pct: float) -> str:
    if pct >= EXPECTED:
        return "good"
    return "persistent" if pct >= SEVERE else "severe"


def build_chart(points: list[WeekPoint], source: str) -> Chart | None:
    """The chart's geometry, or None when there is nothing to draw."""
    if not points:
        return None
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / len(points)
    bar_width = min(40.0, slot * 0.7)
    bars = []
    for index, point in enumerate(points):
        pct = float(point.pct or 0)
        x = LEFT + index * slot + (slot - bar_width) / 2
        bars.append(Bar(x, _y(pct), bar_width, _y(0) - _y(pct), point.label, pct, _tone(pct)))
    lines = [(_y(EXPECTED), f"{EXPECTED}% expected"), (_y(SEVERE), f"{SEVERE}% severe absence")]
    ticks = [(_y(value), f"{value}%") for value in (0, 25, 50, 75, 100)]
    return Chart(WIDTH, HEIGHT, bars, lines, ticks, points, source)
