"""Delivery-plan pages: import, the plan, editing an action (409 keeps input), the review page."""

from __future__ import annotations

import io
import re
from pathlib import Path

from factories import PASSWORD, make_user
from factories_api import csrf_from, sign_in

SAMPLE = (Path(__file__).parents[2] / "app" / "demo" / "delivery-plan-sample.csv").read_bytes()


def _import(client) -> None:
    form = client.get("/delivery-plan/import")
    response = client.post(
        "/delivery-plan/import",
        data={"csrf_token": csrf_from(form.data), "file": (io.BytesIO(SAMPLE), "plan.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_a_manager_imports_the_plan_and_updates_an_action(app, client):
    manager = make_user(app, "manager")
    sign_in(client, manager["email"], PASSWORD)
    _import(client)
    plan = client.get("/delivery-plan").get_data(as_text=True)
    assert "Leadership and data" in plan and "Agree data-sharing with every school" in plan
    assert 'id="rag-total">7<' in plan and 'id="rag-total-partial">2<' in plan
    link = re.search(r'href="(/delivery-plan/actions/\d+)">2.1b<', plan).group(1)
    page = client.get(link).get_data(as_text=True)
    token, version = csrf_from(page), re.search(r'name="expected_version" value="(\d+)"', page)
    saved = client.post(
        link,
        data={
            "csrf_token": token,
            "expected_version": version.group(1),
            "status": "on_track",
            "commentary": "Rescheduled",
        },
    )
    assert saved.status_code == 302
    after = client.get(link).get_data(as_text=True)
    assert "Rescheduled" in after and "Overdue / issue → On track" in after
    stale = client.post(
        link,
        data={
            "csrf_token": token,
            "expected_version": version.group(1),
            "status": "completed",
            "commentary": "Typed on a stale copy",
        },
    )
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "changed this action since you opened it" in text
    assert "Typed on a stale copy" in text  # nothing typed is lost
    review = client.get("/delivery-plan/review").get_data(as_text=True)
    assert review.count('<td class="govuk-table__cell">') >= 7 * 4 and "4.1a" in review
    export = client.get("/delivery-plan/export.csv")
    assert export.mimetype == "text/csv" and b"Review the local code of conduct" in export.data


def test_a_bad_file_imports_nothing_and_lists_the_lines(app, client):
    manager = make_user(app, "manager")
    sign_in(client, manager["email"], PASSWORD)
    form = client.get("/delivery-plan/import")
    bad = SAMPLE.replace(b"Amber,Draft", b"Mauve,Draft")
    response = client.post(
        "/delivery-plan/import",
        data={"csrf_token": csrf_from(form.data), "file": (io.BytesIO(bad), "plan.csv")},
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "Line 8: RAG status &#39;Mauve&#39;" in text
    assert "The plan is empty" in client.get("/delivery-plan").get_data(as_text=True)


def test_add_an_action_keeps_input_on_errors(app, client):
    manager = make_user(app, "manager")
    sign_in(client, manager["email"], PASSWORD)
    form = client.get("/delivery-plan/actions/new")
    fields = {
        "csrf_token": csrf_from(form.data),
        "enabler": "Schools partnership",
        "objective_ref": "3.2",
        "objective": "Attendance champions network",
        "action_ref": "3.2a",
        "action": "",
        "owners": "Link advisers",
        "status": "not_started",
        "due_on": "soon",
    }
    bad = client.post("/delivery-plan/actions/new", data=fields)
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Action is empty" in text and "is not a date" in text
    assert 'value="Attendance champions network"' in text
    good = client.post(
        "/delivery-plan/actions/new",
        data={**fields, "action": "Start a termly network", "due_on": ""},
    )
    assert good.status_code == 302
    assert "Start a termly network" in client.get(good.headers["Location"]).get_data(as_text=True)


def test_advisers_read_only_and_schools_not_at_all(app, client):
    adviser = make_user(app, "adviser")
    school = make_user(app, "school", school="100001")
    sign_in(client, adviser["email"], PASSWORD)
    page = client.get("/delivery-plan").get_data(as_text=True)
    assert "Attendance delivery plan" in page and "Import the plan table" not in page
    assert client.get("/delivery-plan/import").status_code == 403
    school_client = app.test_client()
    sign_in(school_client, school["email"], PASSWORD)
    assert school_client.get("/delivery-plan").status_code == 404
    assert app.test_client().get("/delivery-plan").status_code == 302  # to sign in
