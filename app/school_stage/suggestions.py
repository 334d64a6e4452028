"""Pupils a school's home page suggests for the school stage, from its own register this year.

Figures come from one grouped query over the school's marks; the band comes from the deployed
``attendance_band`` table and the suggestion itself from ``school_stage_suggestion`` (persistent
or severe absence, or an unauthorised pattern) in the school-stage model, so a process owner
changes who is suggested without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.attendance import academic_year_start, band_classifier, cohort_figures
from app.cases import Case
from app.core.uow import current_session
from app.engine import evaluate_decision
from app.process_models import latest_version

DECISION = "school_stage_suggestion"


@dataclass(frozen=True)
class Suggestion:
    """A pupil the school may want to start the school stage for."""

    upn: str
    attendance_pct: float | None
    possible: int
    unauthorised: int
    band: str
    reason: str


def suggested_pupils(actor: Any, *, today: date, limit: int = 50) -> list[Suggestion]:
    """The actor's school's pupils the suggestion table picks, lowest attendance first.

    Pupils with an open school stage or an open case at the school are left out: the school is
    already acting.  Empty for anyone but a school user, or before the models are deployed.
    """
    urn = getattr(actor, "school_urn", None)
    stage_model = latest_version(current_app.config["SCHOOL_STAGE_MODEL"])
    if actor.role != "school" or not urn or stage_model is None:
        return []
    files = {n: c for n, c in stage_model.files.items() if n.endswith(".dmn")}
    band = band_classifier()
    busy = _pupils_in_hand(urn)
    found = []
    for figures in cohort_figures(date_from=academic_year_start(today), date_to=today, urn=urn):
        if figures.upn in busy:
            continue
        pupil_band = band(figures.attendance_pct)
        inputs = {"band": pupil_band, "unauthorised": figures.unauthorised}
        rows = evaluate_decision(files, DECISION, inputs)
        if rows and rows[0].get("suggest"):
            found.append(
                Suggestion(
                    upn=figures.upn,
                    attendance_pct=figures.attendance_pct,
                    possible=figures.possible,
                    unauthorised=figures.unauthorised,
                    band=pupil_band,
                    reason=str(rows[0].get("reason") or ""),
                )
            )
    found.sort(key=lambda s: (s.attendance_pct if s.attendance_pct is not None else 101, s.upn))
    return found[:limit]


def _pupils_in_hand(urn: str) -> set[str]:
    stmt = select(Case.pupil_upn).where(Case.school_urn == urn, Case.status == "open")
    return set(current_session().scalars(stmt))
