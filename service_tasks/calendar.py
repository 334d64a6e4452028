"""School-calendar date arithmetic: school days, school weeks and the rolling threshold window.

A ``SchoolCalendar`` is plain data: the open ranges of a school (its terms or half-terms, inclusive
dates) and its closures (bank holidays, INSET days, ``#`` closures; a closure may be of one session
only).  The rules, in order:

- Saturdays and Sundays are never school days.
- A closed session is closed; a day is a *school day* while at least one session is open.
- Inside the academic years the term dates cover (1 September of the first term's academic year
  to 31 August of the last term's), a weekday is open only when it falls within a term.
- Outside them (no term dates loaded for that year) every weekday is open except the known
  closures, so arithmetic keeps working (slightly generously) until the term dates are loaded.
- A *school week* is a Monday-to-Sunday week with at least one open session (DfE: "any week in
  which the school holds at least one session").

No database and no app imports: the app loads the rows and hands them over as this dataclass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

SESSIONS = ("AM", "PM")
#: the furthest the arithmetic walks before giving up (about ten years of days)
MAX_DAYS = 3660
MAX_WEEKS = 520
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)


class CalendarError(ValueError):
    """A calendar question that has no answer (negative counts, runaway searches)."""


@dataclass(frozen=True)
class SchoolCalendar:
    """Term ranges (inclusive) and closed sessions of one school."""

    terms: tuple[tuple[date, date], ...] = ()
    #: date -> the sessions closed that day ("AM", "PM" or both)
    closures: dict[date, frozenset[str]] = field(default_factory=dict)

    @property
    def covered(self) -> tuple[date, date] | None:
        """The academic years the term dates cover (None without term dates)."""
        if not self.terms:
            return None
        first = min(start for start, _end in self.terms)
        last = max(end for _start, end in self.terms)
        return academic_year_start(first), academic_year_start(last).replace(
            year=academic_year_start(last).year + 1
        ) - _DAY


def make_calendar(
    terms: Iterable[tuple[date, date]], closures: Iterable[tuple[date, str | None]] = ()
) -> SchoolCalendar:
    """Build a calendar; a closure's session None closes the whole day."""
    closed: dict[date, set[str]] = {}
    for day, session in closures:
        if session is not None and session not in SESSIONS:
            raise CalendarError(f"session must be AM, PM or None, not {session!r}")
        closed.setdefault(day, set()).update(SESSIONS if session is None else (session,))
    ranges = tuple(sorted((start, end) for start, end in terms))
    for start, end in ranges:
        if end < start:
            raise CalendarError(f"term ends ({end}) before it starts ({start})")
    return SchoolCalendar(ranges, {day: frozenset(s) for day, s in closed.items()})


def academic_year_start(day: date) -> date:
    """1 September of the academic year ``day`` falls in."""
    return date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def open_sessions(calendar: SchoolCalendar, day: date) -> tuple[str, ...]:
    """The sessions the school holds on ``day``."""
    if day.weekday() >= 5:
        return ()
    covered = calendar.covered
    if (
        covered is not None
        and covered[0] <= day <= covered[1]
        and not any(start <= day <= end for start, end in calendar.terms)
    ):
        return ()
    closed = calendar.closures.get(day, frozenset())
    return tuple(s for s in SESSIONS if s not in closed)


def is_school_day(calendar: SchoolCalendar, day: date) -> bool:
    """Whether the school holds at least one session on ``day``."""
    return bool(open_sessions(calendar, day))


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def is_school_week(calendar: SchoolCalendar, monday: date) -> bool:
    """Whether the week starting ``monday`` holds at least one session."""
    return any(is_school_day(calendar, monday + timedelta(days=n)) for n in range(5))


def _check_count(name: str, value: int, limit: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CalendarError(f"{name} must be a whole number")
    if not 0 <= value <= limit:
        raise CalendarError(f"{name} must be between 0 and {limit}, not {value}")


def add_school_days(calendar: SchoolCalendar, start: date, days: int) -> date:
    """The ``days``-th school day after ``start`` (``start`` itself is not counted; 0 -> start)."""
    _check_count("days", days, MAX_DAYS)
    day, counted, walked = start, 0, 0
    while counted < days:
        day += _DAY
        walked += 1
        if walked > MAX_DAYS:
            raise CalendarError("no school days found within ten years")
        if is_school_day(calendar, day):
            counted += 1
    return day


def add_school_weeks(calendar: SchoolCalendar, start: date, weeks: int) -> date:
    """The same weekday as ``start`` in the ``weeks``-th school week after ``start``'s week.

    Weeks without sessions (holidays) are skipped.  When that weekday is not a school day, the
    result is the nearest school day of the same week, earlier first (so it stays inside the N-th
    school week).  ``weeks`` = 0 returns ``start``.
    """
    _check_count("weeks", weeks, MAX_WEEKS)
    if weeks == 0:
        return start
    monday, counted, walked = week_start(start), 0, 0
    while counted < weeks:
        monday += _WEEK
        walked += 1
        if walked > MAX_WEEKS:
            raise CalendarError("no school weeks found within ten years")
        if is_school_week(calendar, monday):
            counted += 1
    target = monday + timedelta(days=start.weekday())
    week = [monday + timedelta(days=n) for n in range(7)]
    earlier = [d for d in week if d <= target and is_school_day(calendar, d)]
    if earlier:
        return earlier[-1]
    return next(d for d in week if d > target and is_school_day(calendar, d))


def last_school_weeks(calendar: SchoolCalendar, as_of: date, weeks: int) -> list[date]:
    """The Mondays of the last ``weeks`` school weeks ending at ``as_of``, oldest first.

    ``as_of``'s own week counts when the school held a session in it on or before ``as_of``;
    holiday weeks are skipped, so the window stretches back over half-terms and holidays.
    """
    _check_count("weeks", weeks, MAX_WEEKS)
    found: list[date] = []
    monday = week_start(as_of)
    if weeks and any(
        is_school_day(calendar, monday + timedelta(days=n))
        for n in range((as_of - monday).days + 1)
    ):
        found.append(monday)
    walked = 0
    while len(found) < weeks:
        monday -= _WEEK
        walked += 1
        if walked > MAX_WEEKS:
            raise CalendarError("no school weeks found within ten years")
        if is_school_week(calendar, monday):
            found.append(monday)
    return sorted(found)


def threshold_window(calendar: SchoolCalendar, as_of: date, weeks: int = 10) -> tuple[date, date]:
    """(start, end) of the rolling window of the last ``weeks`` school weeks ending at ``as_of``."""
    mondays = last_school_weeks(calendar, as_of, weeks)
    return (mondays[0] if mondays else as_of), as_of
