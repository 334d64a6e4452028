"""Figures for many pupils in one query, and the band decided by the deployed band DMN."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from factories import deploy_default, deploy_files
from factories_api import api_user

from app.accounts import get_user
from app.attendance import (
    academic_year_start,
    band_classifier,
    cohort_figures,
    import_marks,
)
from app.core.errors import Conflict
from app.core.web import reading, transaction
from app.engine import DecisionNotFound, evaluate_decision
from app.forms import make_upn

BAND_DMN = Path(__file__).parents[2] / "bpmn" / "attendance_case" / "attendance_band.dmn"
A, B = "100001", "100002"
P1, P2, P3 = (make_upn(937, 2001, 15, n) for n in (1, 2, 3))


def school_days(count: int, start: date = date(2026, 9, 7)) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def marks_for(urn: str, upn: str, codes: list[str]) -> list[dict[str, Any]]:
    """One mark per session (AM, PM, AM, ...) from 7 September 2026 on."""
    days = school_days(-(-len(codes) // 2))
    return [
        {
            "urn": urn,
            "upn": upn,
            "date": days[i // 2].isoformat(),
            "session": ("AM", "PM")[i % 2],
            "code": code,
        }
        for i, code in enumerate(codes)
    ]


def store(app: Any, marks: list[dict[str, Any]]) -> None:
    adviser = api_user(app, "adviser", email="cohort-adviser@example.test")
    with app.app_context(), transaction():
        result = import_marks(get_user(adviser["id"]), marks=marks)
    assert result["errors"] == []


@pytest.fixture
def marked(pathway_app: Any) -> Any:
    # P1 at A: 9 present, 1 unauthorised (90.0%); P2 at A: 10 of 10 with a late L and an X
    # (not possible); P3 at B: 1 present, 1 authorised, 2 unauthorised (25.0%).
    store(pathway_app, marks_for(A, P1, ["/"] * 9 + ["O"]))
    store(pathway_app, marks_for(A, P2, ["/"] * 9 + ["L", "X"]))
    store(pathway_app, marks_for(B, P3, ["/", "M", "G", "N"]))
    return pathway_app


def test_cohort_figures_count_every_pupil_in_one_query(marked):
    with marked.app_context(), reading():
        everyone = cohort_figures(date_from=date(2026, 9, 1), date_to=date(2026, 12, 31))
        at_a = cohort_figures(date_from=date(2026, 9, 1), date_to=date(2026, 12, 31), urn=A)
        only_p3 = cohort_figures(date_from=date(2026, 9, 1), date_to=date(2026, 12, 31), upns=[P3])
    figures = {f.upn: f for f in everyone}
    assert [(f.urn, f.upn) for f in everyone] == [(A, P1), (A, P2), (B, P3)]
    assert (figures[P1].possible, figures[P1].present, figures[P1].unauthorised) == (10, 9, 1)
    assert figures[P1].attendance_pct == 90.0
    assert (figures[P2].possible, figures[P2].present, figures[P2].late) == (10, 10, 1)
    assert figures[P2].attendance_pct == 100.0
    assert (figures[P3].authorised, figures[P3].unauthorised, figures[P3].attendance_pct) == (
        1,
        2,
        25.0,
    )
    assert figures[P1].first_date == date(2026, 9, 7)
    assert figures[P1].last_date == date(2026, 9, 11)
    assert [f.upn for f in at_a] == [P1, P2]
    assert [f.upn for f in only_p3] == [P3]


def test_a_period_without_marks_is_empty(marked):
    with marked.app_context(), reading():
        assert cohort_figures(date_from=date(2027, 1, 1), date_to=date(2027, 2, 1)) == []


def test_band_comes_from_the_deployed_dmn_and_moves_with_it(pathway_app):
    with pathway_app.app_context(), reading(), pytest.raises(Conflict):
        band_classifier()
    deploy_default(pathway_app)
    with pathway_app.app_context(), reading():
        band = band_classifier()
        assert [band(p) for p in (90.0, 90.1, 50.0, 50.1, None)] == [
            "persistent",
            "universal",
            "severe",
            "persistent",
            "unknown",
        ]
    # A process owner moves the persistent boundary to 85: no Python changes, the band follows.
    folder = BAND_DMN.parent
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".bpmn", ".dmn")}
    files[BAND_DMN.name] = files[BAND_DMN.name].replace(b"&lt;= 90", b"&lt;= 85")
    deploy_files(pathway_app, "attendance_case", files)
    with pathway_app.app_context(), reading():
        band = band_classifier()
        assert (band(90.0), band(85.0)) == ("universal", "persistent")


def test_evaluate_decision_runs_a_table_outside_a_workflow():
    files = {BAND_DMN.name: BAND_DMN.read_text()}
    assert evaluate_decision(files, "attendance_band", {"attendance_pct": 49.9}) == [
        {"band": "severe"}
    ]
    with pytest.raises(DecisionNotFound):
        evaluate_decision(files, "no_such_decision", {})


def test_academic_year_starts_on_1_september():
    assert academic_year_start(date(2026, 9, 1)) == date(2026, 9, 1)
    assert academic_year_start(date(2027, 8, 31)) == date(2026, 9, 1)
    assert academic_year_start(date(2026, 8, 31)) == date(2025, 9, 1)
