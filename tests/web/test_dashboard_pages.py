"""The manager's pages: who may see them, the figures link to their cases, CSV, bulk actions.

The world is the KPI tests' twelve cases (``tests/integration/test_dashboard_kpis.py``).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from factories_api import csrf_from
from sqlalchemy import select

from app.accounts import create_school, create_user
from app.audit import AuditEvent
from app.cases import Case, Task
from app.core.web import reading, transaction

KPIS = Path(__file__).resolve().parent.parent / "integration" / "test_dashboard_kpis.py"
PERIOD = "date_from=2026-10-05&date_to=2026-11-22"


def _kpi_module() -> Any:
    name = "dashboard_kpi_world"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, KPIS)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def world(app, monkeypatch):
    """The KPI world, seen from its NOW (Wednesday 25 November 2026, noon)."""
    module = _kpi_module()
    for target in ("app.dashboard.services.utcnow", "app.dashboard.routes.utcnow"):
        monkeypatch.setattr(target, lambda: module.NOW)
    return module.build_world(app)


def person(app: Any, role: str, school: str | None = None) -> int:
    with app.app_context(), transaction():
        if school:
            create_school(school, "Riverside Primary School")
        user = create_user(f"{role}-dash@example.test", role=role, name=role.title(),
                           school_urn=school)  # fmt: skip
        return user.id


def signed_in(app: Any, role: str, school: str | None = None) -> Any:
    """A test client whose session belongs to a new user with ``role``."""
    client = app.test_client()
    user_id = person(app, role, school)
    with client.session_transaction() as session:
        session["user_id"], session["seen_at"] = user_id, int(time.time())
    return client


PAGES = ["/dashboard", "/dashboard/cases", "/dashboard/map", "/dashboard/return"]


def test_signed_out_visitors_are_sent_to_sign_in(app, world):
    client = app.test_client()
    for page in [*PAGES, "/dashboard/cases.csv", f"/cases/{world.cases['C1']}/map"]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(("role", "status"), [("school", 404), ("process_owner", 403)])
def test_schools_get_404_and_process_owners_403(app, world, role, status):
    client = signed_in(app, role, "100001" if role == "school" else None)
    for page in [*PAGES, "/dashboard/cases.csv", f"/cases/{world.cases['C1']}/map"]:
        assert client.get(page).status_code == status, page


def test_advisers_may_look_but_not_act(app, world):
    client = signed_in(app, "adviser")
    for page in PAGES:
        assert client.get(page).status_code == 200, page
    listing = client.get("/dashboard/cases").get_data(as_text=True)
    assert "Move caseload" not in listing and 'name="case_id"' not in listing
    assert client.get("/dashboard/cases.csv").status_code == 403
    token = csrf_from(client.get("/dashboard").data)
    posted = client.post("/dashboard/cases/remind", data={"csrf_token": token, "message": "x"})
    assert posted.status_code == 403


def test_every_figure_links_to_a_case_list_of_that_many_cases(app, world):
    client = signed_in(app, "manager")
    page = client.get(f"/dashboard?{PERIOD}").get_data(as_text=True)
    for figure, expected in [
        ("figure-open", 5),
        ("figure-overdue-tasks", 2),
        ("figure-overdue-timers", 1),
        ("figure-limitation", 2),
        ("figure-notified", 6),
    ]:
        match = re.search(rf'id="{figure}"><a class="govuk-link" href="([^"]+)">(\d+)<', page)
        assert match, figure
        assert int(match.group(2)) == expected, figure
        listing = client.get(match.group(1).replace("&amp;", "&")).get_data(as_text=True)
        if expected:
            assert f"{expected} case{'s' if expected != 1 else ''}" in listing, figure
    assert page.count('class="app-chart"') == 3 and "<svg" in page
    assert "/dashboard/cases?" in page and "kpi=notified" in page


def test_case_list_searches_reference_name_upn_and_school(app, world):
    client = signed_in(app, "manager")
    with app.app_context(), reading() as session:
        c3 = session.get(Case, world.cases["C3"])
        reference, upn = c3.reference, c3.pupil_upn
    for term, found in [(reference, "Pupil C3"), ("Pupil C10", "Pupil C10"), (upn, "Pupil C")]:
        page = client.get("/dashboard/cases", query_string={"q": term}).get_data(as_text=True)
        assert found in page, term
    hill = client.get("/dashboard/cases", query_string={"q": "Hillcrest"}).get_data(as_text=True)
    assert "Pupil C3" in hill and "Pupil C1<" not in hill
    wild = client.get("/dashboard/cases", query_string={"q": "%"}).get_data(as_text=True)
    assert "No cases match." in wild


def test_csv_export_is_audited_and_safe_for_spreadsheets(app, world):
    with app.app_context(), transaction() as session:
        session.get(Case, world.cases["C1"]).pupil_name = "=HYPERLINK(1)"
    client = signed_in(app, "manager")
    response = client.get(f"/dashboard/cases.csv?{PERIOD}&kpi=open")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["reference", "pupil_name", "upn"]
    assert len(rows) == 1 + 5
    assert "'=HYPERLINK(1)" in [row[1] for row in rows]
    with app.app_context(), reading() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "cases_exported")
        ).all()
    assert len(events) == 1 and events[0].detail["rows"] == 5


def test_bulk_reassign_moves_cases_and_tasks_and_is_audited(app, world):
    client = signed_in(app, "manager")
    token = csrf_from(client.get("/dashboard/cases").data)
    x, y = world.advisers["x"], world.advisers["y"]
    with app.app_context(), transaction() as session:
        task = session.scalars(select(Task).where(Task.case_id == world.cases["C1"])).one()
        task.assignee_id = x
    response = client.post(
        "/dashboard/cases/reassign",
        data={"csrf_token": token, "from_adviser": x, "to_adviser": y, "next": "/dashboard/cases"},
    )
    assert response.status_code == 302
    with app.app_context(), reading() as session:
        moved = set(
            session.scalars(select(Case.id).where(Case.adviser_id == y, Case.status == "open"))
        )
        assert moved == world.ids("C1", "C2", "C5", "C6")
        assert (
            session.scalars(select(Task.assignee_id).where(Task.case_id == world.cases["C1"])).one()
            == y
        )
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "case_reassigned")
        ).all()
    assert {e.case_id for e in events} == world.ids("C1", "C2", "C6")
    assert all(e.detail["from_adviser_id"] == x and e.detail["to_adviser_id"] == y for e in events)
    assert all(e.actor_label.endswith("(manager)") for e in events)
    page = client.get("/dashboard/cases").get_data(as_text=True)
    assert "3 cases reassigned." in page


def test_reassigning_ticked_cases_and_sending_a_reminder(app, world):
    client = signed_in(app, "manager")
    token = csrf_from(client.get("/dashboard/cases").data)
    ticked = [world.cases["C4"], world.cases["C3"]]  # C3 is closed: left alone
    response = client.post(
        "/dashboard/cases/reassign",
        data={"csrf_token": token, "case_id": ticked, "to_adviser": world.advisers["x"]},
    )
    assert response.status_code == 302
    reminder = client.post(
        "/dashboard/cases/remind",
        data={"csrf_token": token, "case_id": [world.cases["C1"]], "message": " Please  chase "},
    )
    assert reminder.status_code == 302
    empty = client.post("/dashboard/cases/remind", data={"csrf_token": token, "message": "x"})
    assert empty.status_code == 302
    assert "Choose the cases" in client.get("/dashboard/cases").get_data(as_text=True)
    with app.app_context(), reading() as session:
        assert session.get(Case, world.cases["C4"]).adviser_id == world.advisers["x"]
        assert session.get(Case, world.cases["C3"]).adviser_id == world.advisers["y"]
        sent = session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "reminder_sent")
        ).one()
    assert sent.case_id == world.cases["C1"]
    assert sent.detail["message"] == "Please chase"
    assert sent.detail["to_user_ids"] == [world.advisers["x"]]


def test_bulk_actions_need_a_csrf_token(app, world):
    client = signed_in(app, "manager")
    response = client.post(
        "/dashboard/cases/reassign",
        data={"from_adviser": world.advisers["x"], "to_adviser": world.advisers["y"]},
    )
    assert response.status_code == 400


def test_invalid_filters_are_ignored_and_reported(app, world):
    client = signed_in(app, "manager")
    page = client.get("/dashboard?date_from=2026-02-30&adviser=abc&group=nope&stage=moon")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Some filters were ignored" in text and "Enter a real date" in text
    assert client.get("/dashboard/cases?kpi=nonsense").status_code == 422


def test_process_map_and_case_map_pages(app, world):
    client = signed_in(app, "manager")
    page = client.get(f"/dashboard/map?{PERIOD}").get_data(as_text=True)
    assert 'id="process-map"' in page and "bpmn-navigated-viewer.production.min.js" in page
    assert '"triage_review"' not in page or "waiting" in page
    assert 'data-element="triage"' in page  # the fixture model's triage task: C1 waits there
    case_page = client.get(f"/cases/{world.cases['C2']}/map").get_data(as_text=True)
    assert '"mode": "case"' in case_page and '"triage": {' in case_page
    assert client.get("/cases/999999/map").status_code == 404
    assert client.get("/dashboard/map?diagram=nope.bpmn").status_code == 404


def test_annual_return_page_and_csv(app, world):
    client = signed_in(app, "manager")
    page = client.get("/dashboard/return?year=2026").get_data(as_text=True)
    assert "Academic year 2026 to 2027" in page and 'id="return-holiday"' in page
    response = client.get("/dashboard/return.csv?year=2026")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["section", "measure", "number"]
    assert ["Penalty notices", "Issued (all reasons)", "7"] in rows
    assert ["Prosecutions", "Following non-payment of a penalty notice", "1"] in rows
