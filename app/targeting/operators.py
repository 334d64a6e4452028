"""The ``targeting.watch_list`` operator: a school's pupils at or below the thresholds.

``targeting.watch_list`` takes urn and as_of; it returns persistent[], severe[], open_cases[],
counts{persistent, severe, open_cases} and period{from, to}.

Each pupil: upn, attendance_pct (year to date), recent_pct (the last 4 weeks), trend
(improving, worsening, steady or unknown) and band.  The bands come from the deployed
``attendance_band`` table; ``persistent`` lists every pupil at or below the persistent line
(severe ones included), ``severe`` those at or below the severe line.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.attendance import academic_year_start, band_classifier, cohort_figures
from app.cases import STATUTORY, Case
from app.core.uow import current_session
from service_tasks.registry import ServiceTaskError, service_task

#: the recent window a pupil's trend compares with the year so far
RECENT_DAYS = 28
#: a change smaller than this many percentage points is "steady"
TREND_MARGIN = 1.0
FLAGGED = ("persistent", "severe")


def _trend(year_pct: float | None, recent_pct: float | None) -> str:
    if year_pct is None or recent_pct is None:
        return "unknown"
    if recent_pct > year_pct + TREND_MARGIN:
        return "improving"
    if recent_pct < year_pct - TREND_MARGIN:
        return "worsening"
    return "steady"


@service_task("targeting.watch_list")
def watch_list(*, urn: str, as_of: str) -> dict[str, Any]:
    """The school's flagged pupils this year (with their trend) and its open statutory cases."""
    try:
        day = date.fromisoformat(str(as_of)[:10])
    except ValueError as exc:
        raise ServiceTaskError("bad_date", f"as_of is not a date: {as_of!r}") from exc
    start = academic_year_start(day)
    band = band_classifier()
    year = cohort_figures(date_from=start, date_to=day, urn=str(urn))
    recent_start = max(start, day - timedelta(days=RECENT_DAYS))
    recent = {
        f.upn: f.attendance_pct
        for f in cohort_figures(date_from=recent_start, date_to=day, urn=str(urn))
    }
    pupils = []
    for figures in year:
        pupil_band = band(figures.attendance_pct)
        if pupil_band in FLAGGED:
            pupils.append(
                {
                    "upn": figures.upn,
                    "attendance_pct": figures.attendance_pct,
                    "recent_pct": recent.get(figures.upn),
                    "trend": _trend(figures.attendance_pct, recent.get(figures.upn)),
                    "band": pupil_band,
                }
            )
    pupils.sort(key=lambda p: (p["attendance_pct"], p["upn"]))
    cases = _open_cases(str(urn))
    severe = [p for p in pupils if p["band"] == "severe"]
    return {
        "persistent": pupils,
        "severe": severe,
        "open_cases": cases,
        "counts": {"persistent": len(pupils), "severe": len(severe), "open_cases": len(cases)},
        "period": {"from": start.isoformat(), "to": day.isoformat()},
    }


def _open_cases(urn: str) -> list[dict[str, Any]]:
    stmt = (
        select(Case.reference, Case.pupil_upn, Case.stage)
        .where(Case.kind == STATUTORY, Case.school_urn == urn, Case.status == "open")
        .order_by(Case.reference)
    )
    return [
        {"reference": ref, "upn": upn, "stage": stage}
        for ref, upn, stage in current_session().execute(stmt)
    ]
