"""Attendance arithmetic (DfE definitions).  Thresholds are DMN rows, never constants here."""

from __future__ import annotations

from typing import Any

from service_tasks.registry import ServiceTaskError, service_task


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
