"""Population figures from the registers: absence, persistent and severe absence by school.

The figures are the same arithmetic as the pathway's (``app.attendance.cohort_figures``) and the
bands come from the deployed ``attendance_band`` table.  Pupil groups (SEND, free school meals,
a social worker) are known only for pupils the service has a case for, from their notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from app.accounts.models import School
from app.attendance import PupilFigures, band_classifier, cohort_figures
from app.cases import STATUTORY, Case
from app.core.uow import current_session
from app.dashboard.filters import PUPIL_GROUPS, group_case_ids

FLAGGED = ("persistent", "severe")


@dataclass
class PopulationRow:
    """Counts for one school (or all schools, or one pupil group)."""

    label: str
    pupils: int = 0
    possible: int = 0
    present: int = 0
    authorised: int = 0
    unauthorised: int = 0
    persistent: int = 0
    severe: int = 0

    def add(self, figures: PupilFigures, band: str) -> None:
        """Count one pupil's figures and band."""
        self.pupils += 1
        self.possible += figures.possible
        self.present += figures.present
        self.authorised += figures.authorised
        self.unauthorised += figures.unauthorised
        self.persistent += band in FLAGGED
        self.severe += band == "severe"

    def pct(self, part: int, whole: int) -> float | None:
        """``part`` as a percentage of ``whole`` (1 dp; None when nothing to divide by)."""
        return round(100.0 * part / whole, 1) if whole else None

    def as_dict(self) -> dict[str, Any]:
        """The row with its percentages, as pages and PDFs show it."""
        return {
            "label": self.label,
            "pupils": self.pupils,
            "absence_pct": self.pct(self.authorised + self.unauthorised, self.possible),
            "authorised_pct": self.pct(self.authorised, self.possible),
            "unauthorised_pct": self.pct(self.unauthorised, self.possible),
            "persistent": self.persistent,
            "persistent_pct": self.pct(self.persistent, self.pupils),
            "severe": self.severe,
            "severe_pct": self.pct(self.severe, self.pupils),
        }


def population(date_from: date, date_to: date) -> dict[str, Any]:
    """Every school's and the council's figures for the period, and the service's pupil groups."""
    band = band_classifier()
    names = dict(current_session().execute(select(School.urn, School.name)).all())
    schools: dict[str, PopulationRow] = {}
    total = PopulationRow("All schools")
    bands: dict[str, tuple[PupilFigures, str]] = {}
    for figures in cohort_figures(date_from=date_from, date_to=date_to):
        pupil_band = band(figures.attendance_pct)
        row = schools.setdefault(figures.urn, PopulationRow(names.get(figures.urn, figures.urn)))
        row.add(figures, pupil_band)
        total.add(figures, pupil_band)
        bands[figures.upn] = (figures, pupil_band)
    return {
        "schools": [schools[u].as_dict() for u in sorted(schools, key=lambda u: schools[u].label)],
        "total": total.as_dict(),
        "groups": _groups(bands),
    }


def _groups(bands: dict[str, tuple[PupilFigures, str]]) -> list[dict[str, Any]]:
    """For each pupil group: the pupils with a statutory case, counted by their period figures."""
    session = current_session()
    rows = []
    for key, (label, _flags) in PUPIL_GROUPS.items():
        stmt = select(Case.pupil_upn).where(
            Case.kind == STATUTORY, Case.id.in_(group_case_ids(key))
        )
        row = PopulationRow(label)
        for upn in sorted(set(session.scalars(stmt))):
            if upn in bands:
                row.add(*bands[upn])
        rows.append(row.as_dict())
    return rows
