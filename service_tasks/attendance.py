"""Attendance arithmetic (DfE definitions).  Thresholds are DMN rows, never constants here.

Codes and formulas follow domain notes section 1.4 (the national codes from 19 August 2024):

- *possible* sessions are every mark except ``D X Q Y1..Y7 Z #`` (not counted at this school);
- *present* is ``/ \\ L K V P W B``; *unauthorised* is ``G N O U``; every other counted code is
  *authorised* absence;
- lates: ``L`` (before the register closed, present) and ``U`` (after it closed, unauthorised).

The legacy codes ``H F J Y`` (removed in 2024) are accepted for dates before 19 August 2024 only,
with their old meanings: ``H`` (agreed holiday), ``F`` (agreed extended family holiday) and
``J`` (interview) are authorised absence; ``Y`` (enforced closure) is not a possible session.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import date
from fractions import Fraction
from typing import Any

from service_tasks.registry import ServiceTaskError, service_task

#: the date the 2024 register regulations (and their code set) took effect
NEW_CODES_FROM = date(2024, 8, 19)
SESSIONS = ("AM", "PM")

PRESENT_CODES = frozenset({"/", "\\", "L", "K", "V", "P", "W", "B"})
UNAUTHORISED_CODES = ("G", "N", "O", "U")
AUTHORISED_CODES = frozenset({"C1", "M", "J1", "S", "C2", "C", "T", "R", "I", "E"})
#: marks that are not possible sessions (dual registration, not required, unable to attend,
#: administrative)
NOT_POSSIBLE_CODES = frozenset({"D", "X", "Q", "Z", "#", *(f"Y{n}" for n in range(1, 8))})
NATIONAL_CODES = PRESENT_CODES | AUTHORISED_CODES | NOT_POSSIBLE_CODES | set(UNAUTHORISED_CODES)
#: removed in 2024; legacy meaning -> the category it counts in
LEGACY_CODES = {"H": "authorised", "F": "authorised", "J": "authorised", "Y": "not_possible"}

Mark = tuple[date, str, str]
"""One session mark: (date, "AM" | "PM", code)."""


def code_problem(code: str, day: date) -> str | None:
    """Why ``code`` is not a valid register code on ``day`` (None when it is valid)."""
    if code in NATIONAL_CODES:
        return None
    if code in LEGACY_CODES:
        if day < NEW_CODES_FROM:
            return None
        return (
            f"code '{code}' was withdrawn on 19 August 2024 and is accepted only for earlier dates"
        )
    return f"'{code}' is not a national attendance code"


def category(code: str) -> str:
    """The category a valid code counts in: present, authorised, unauthorised or not_possible."""
    if code in PRESENT_CODES:
        return "present"
    if code in UNAUTHORISED_CODES:
        return "unauthorised"
    if code in AUTHORISED_CODES:
        return "authorised"
    if code in NOT_POSSIBLE_CODES:
        return "not_possible"
    if code in LEGACY_CODES:
        return LEGACY_CODES[code]
    raise ValueError(f"unknown attendance code {code!r}")


def attendance_percentage(present: int, possible: int) -> float | None:
    """100 * present / possible, rounded *up* to one decimal place (None when nothing possible).

    Rounding up keeps threshold rules exact: for any threshold on the 0.1 grid (90, 50, ...),
    ``attendance_percentage(...) <= threshold`` exactly when the true percentage is at or below it.
    Ordinary rounding would turn 90.04% into 90.0% and wrongly flag persistent absence.
    """
    if possible <= 0:
        return None
    tenths = math.ceil(Fraction(1000 * present, possible))
    return tenths / 10


def calculate_figures(marks: Iterable[Mark]) -> dict[str, Any]:
    """The attendance figures of section 1.4 for a list of (date, session, code) marks."""
    counts: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for _day, _session, code in marks:
        counts[code] += 1
        by_category[category(code)] += 1
    present = by_category["present"]
    possible = present + by_category["authorised"] + by_category["unauthorised"]
    pct = attendance_percentage(present, possible)
    return {
        "sessions_recorded": sum(counts.values()),
        "possible": possible,
        "present": present,
        "attendance_pct": pct,
        "absence_pct": None if pct is None else round(100 - pct, 1),
        "authorised": by_category["authorised"],
        "unauthorised": by_category["unauthorised"],
        "unauthorised_by_code": {code: counts[code] for code in UNAUTHORISED_CODES},
        "late_before_close": counts["L"],
        "late_after_close": counts["U"],
        "by_code": dict(sorted(counts.items())),
    }


def count_unauthorised(marks: Iterable[Mark], start: date, end: date) -> int:
    """Sessions coded G, N, O or U between ``start`` and ``end`` (both inclusive)."""
    return sum(1 for day, _s, code in marks if start <= day <= end and code in UNAUTHORISED_CODES)


@service_task("attendance.calculate")
def calculate(*, possible_sessions: int, attended_sessions: int) -> dict[str, Any]:
    """Attendance and absence percentages from session counts (one decimal place)."""
    if possible_sessions is None or possible_sessions <= 0:
        raise ServiceTaskError("no_sessions", "possible sessions must be at least 1")
    if attended_sessions < 0 or attended_sessions > possible_sessions:
        raise ServiceTaskError("bad_sessions", "attended sessions must be 0..possible sessions")
    pct = round(100 * attended_sessions / possible_sessions, 1)
    return {
        "possible_sessions": possible_sessions,
        "attended_sessions": attended_sessions,
        "attendance_pct": pct,
        "absence_pct": round(100 - pct, 1),
    }
