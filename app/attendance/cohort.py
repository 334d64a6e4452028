"""Per-pupil attendance figures for many pupils at once, and the attendance band of a figure.

Suggestions on a school's home page, the targeting meetings' watch lists and the termly report
all need "every pupil's attendance over a period" and "is that persistent or severe absence?".
The figures come from one grouped SQL query (counts per pupil and code); the band is decided by
``attendance_band.dmn`` of the deployed case model, so a boundary edited there moves every list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from app.attendance.models import AttendanceMark
from app.core.errors import Conflict
from app.core.uow import current_session
from app.engine import evaluate_decision
from app.process_models import latest_version
from service_tasks import attendance as arithmetic

#: the decision (and its file) that classifies an attendance percentage
BAND_DECISION = "attendance_band"
#: what a figure with no possible sessions is
UNKNOWN_BAND = "unknown"


@dataclass(frozen=True)
class PupilFigures:
    """A pupil's sessions at one school over a period (late = L and U marks)."""

    urn: str
    upn: str
    possible: int
    present: int
    authorised: int
    unauthorised: int
    late: int
    first_date: date | None
    last_date: date | None

    @property
    def attendance_pct(self) -> float | None:
        """Present / possible, rounded up to 0.1 as the pathway does (None: nothing possible)."""
        return arithmetic.attendance_percentage(self.present, self.possible)


def academic_year_start(day: date) -> date:
    """1 September of the school year that contains ``day``."""
    return date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def cohort_figures(
    *,
    date_from: date,
    date_to: date,
    urn: str | None = None,
    upns: Collection[str] | None = None,
) -> list[PupilFigures]:
    """Every pupil with marks in the period (optionally at one school / among ``upns``).

    One grouped query: counts per (school, pupil, code) plus the first and last marked day;
    the codes are then sorted into present/authorised/unauthorised as the pathway's arithmetic
    does.  Pupils come out ordered by school and UPN.
    """
    mark = AttendanceMark
    stmt = (
        select(
            mark.urn, mark.upn, mark.code, func.count(), func.min(mark.date), func.max(mark.date)
        )
        .where(mark.date >= date_from, mark.date <= date_to)
        .group_by(mark.urn, mark.upn, mark.code)
    )
    if urn is not None:
        stmt = stmt.where(mark.urn == urn)
    if upns is not None:
        stmt = stmt.where(mark.upn.in_(sorted({u.upper() for u in upns})))
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    spans: dict[tuple[str, str], tuple[date, date]] = {}
    for school, upn, code, count, first, last in current_session().execute(stmt):
        key = (school, upn)
        tally = counts[key]
        tally[arithmetic.category(code)] += count
        if code in ("L", "U"):
            tally["late"] += count
        if key in spans:
            first, last = min(first, spans[key][0]), max(last, spans[key][1])
        spans[key] = (first, last)
    return [_figures(key, counts[key], spans[key]) for key in sorted(counts)]


def _figures(key: tuple[str, str], tally: dict[str, int], span: tuple[date, date]) -> PupilFigures:
    present = tally["present"]
    return PupilFigures(
        urn=key[0],
        upn=key[1],
        possible=present + tally["authorised"] + tally["unauthorised"],
        present=present,
        authorised=tally["authorised"],
        unauthorised=tally["unauthorised"],
        late=tally["late"],
        first_date=span[0],
        last_date=span[1],
    )


def band_classifier() -> Callable[[float | None], str]:
    """``pct -> band`` ("severe", "persistent", "universal", "unknown") by the band DMN of the
    deployed case model; ``Conflict`` when the pathway is not deployed."""
    version = latest_version(current_app.config["CASE_PROCESS_MODEL"])
    if version is None:
        raise Conflict("The attendance pathway has not been deployed yet.")
    files = {n: c for n, c in version.files.items() if n.endswith(".dmn")}
    memo: dict[float, str] = {}

    def classify(pct: float | None) -> str:
        if pct is None:
            return UNKNOWN_BAND
        if pct not in memo:
            rows = evaluate_decision(files, BAND_DECISION, {"attendance_pct": pct})
            memo[pct] = str(rows[0]["band"]) if rows else UNKNOWN_BAND
        return memo[pct]

    return classify
