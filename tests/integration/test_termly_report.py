"""The termly report's figures on a known data set, its page and its PDF."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from factories import PASSWORD, auth, make_user
from factories_api import sign_in
from scenarios.helpers import accept_triage, notification, open_case, setup

from app.accounts import get_user
from app.core.web import reading, transaction
from app.dashboard.filters import Filters
from app.dashboard.services import build_dashboard
from app.delivery_plan import import_plan_csv
from app.forms import make_upn
from app.reports import termly_report

TERM = "autumn-2026"
TODAY = date(2026, 11, 25)
P90, P901, P50 = (make_upn(937, 2001, 24, n) for n in (1, 2, 3))
SAMPLE = (Path(__file__).parents[2] / "app" / "demo" / "delivery-plan-sample.csv").read_text()


def _post(client: Any, user: dict[str, Any], urn: str, upn: str, codes: list[str]) -> None:
    days, day = [], date(2026, 11, 24)
    while len(days) < -(-len(codes) // 2):
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    days.sort()
    marks = [
        {
            "urn": urn,
            "upn": upn,
            "date": days[i // 2].isoformat(),
            "session": ("AM", "PM")[i % 2],
            "code": code,
        }
        for i, code in enumerate(codes)
    ]
    response = client.post("/api/v1/attendance", json={"marks": marks}, headers=auth(user))
    assert response.status_code == 200 and not response.json["errors"], response.json


@pytest.fixture
def known(pathway_app, pathway_client) -> Any:
    app, client = pathway_app, pathway_client
    world = setup(app)
    _post(client, world.adviser, "100001", P90, ["/"] * 9 + ["O"])  # 90.0%: persistent
    _post(client, world.adviser, "100001", P901, ["/"] * 91 + ["I"] * 10)  # 90.1%: neither
    _post(client, world.adviser, "100002", P50, ["/"] * 5 + ["N"] * 5)  # 50.0%: severe
    case_id = open_case(client, world.school, notification())
    accept_triage(client, world.adviser, case_id)
    assert (
        client.post(f"/api/v1/tsm/terms/{TERM}/open", headers=auth(world.manager)).status_code
        == 201
    )
    with app.app_context(), transaction():
        report = import_plan_csv(get_user(world.manager["id"]), text=SAMPLE)
    assert not report.errors
    return app, client, world


def _report(app: Any, world: Any) -> dict[str, Any]:
    with app.app_context(), reading():
        return termly_report(get_user(world.manager["id"]), term=TERM, today=TODAY)


def test_the_report_figures_on_a_known_data_set(known):
    app, _client, world = known
    report = _report(app, world)
    schools = {row["label"]: row for row in report["population"]["schools"]}
    riverside = schools["Riverside Primary School"]
    assert (riverside["pupils"], riverside["absence_pct"], riverside["authorised_pct"]) == (
        2,
        9.9,
        9.0,
    )
    assert (riverside["persistent"], riverside["persistent_pct"], riverside["severe"]) == (
        1,
        50.0,
        0,
    )
    hillcrest = schools["Hillcrest Academy"]
    assert (hillcrest["pupils"], hillcrest["persistent"], hillcrest["severe"]) == (1, 1, 1)
    total = report["population"]["total"]
    assert (total["pupils"], total["absence_pct"], total["unauthorised_pct"]) == (3, 13.2, 5.0)
    assert (total["persistent"], total["persistent_pct"], total["severe_pct"]) == (2, 66.7, 33.3)
    assert next(g["label"] for g in report["population"]["groups"]).startswith("SEND")
    assert (report["flow"]["notifications"], report["flow"]["accepted"]) == (1, 1)
    assert report["flow"]["triage"]["count"] == 1
    assert report["penalty_notices"]["issued"] == 0
    assert (report["tsm"]["schools"], report["tsm"]["held"], report["tsm"]["open"]) == (2, 0, 2)
    assert len(report["tsm"]["overdue"]) == 2
    assert report["plan"]["total"] == 7 and report["plan"]["by_status"]["partial"] == 2


def test_case_figures_are_the_dashboards_for_the_same_dates(known):
    app, _client, world = known
    report = _report(app, world)
    with app.app_context(), reading():
        dash = build_dashboard(
            get_user(world.manager["id"]),
            Filters(date_from=date(2026, 9, 3), date_to=date(2026, 12, 18)),
        )
    assert report["flow"]["notifications"] == sum(dash["trend"]["notified"])
    assert report["flow"]["triage"] == dash["triage"]
    assert report["penalty_notices"]["by_outcome"] == dash["penalty_notices"]
    assert report["outcomes"]["closures"] == dash["closures"]


def test_page_and_pdf_show_the_figures_and_only_managers_see_them(known, tmp_path):
    app, client, world = known
    manager = make_user(app, "manager", email="report-manager@example.test")
    sign_in(client, manager["email"], PASSWORD)
    page = client.get(f"/reports/termly?term={TERM}").get_data(as_text=True)
    assert "School attendance: Autumn 2026" in page and 'id="flow-notifications">1<' in page
    assert "13.2%" in page and "0 of 2 schools" in page
    pdf = client.get(f"/reports/termly.pdf?term={TERM}")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        (tmp_path / "report.pdf").write_bytes(pdf.data)
        text = subprocess.run(
            ["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "School attendance: Autumn 2026" in text and "13.2%" in text
    adviser_client = app.test_client()
    sign_in(adviser_client, world.adviser["email"], PASSWORD)
    assert adviser_client.get("/reports/termly").status_code in (403, 302)
