"""Task pages: complete through the rendered form, read-only views, 409 instead of stack traces."""

from __future__ import annotations

from typing import Any

import pytest
from factories import auth, deploy_default
from factories_api import api_user, case_task, complete, csrf_from, db_row, open_case
from formpost import error_summary, form_fields, post_form, signed_in, text

from app.cases import Case, Task


@pytest.fixture
def triage(app: Any, client: Any) -> dict[str, Any]:
    deploy_default(app)
    notifier = api_user(app, "adviser", email="notifier@example.test")
    created = open_case(client, notifier)
    task = case_task(client, notifier, created["case_id"])
    return {"case_id": created["case_id"], "task_id": task["id"], "notifier": notifier}


def test_an_adviser_claims_completes_and_sees_the_case_move_to_monitoring(app, triage):
    adviser = signed_in(app, "adviser")
    url = f"/tasks/{triage['task_id']}"
    page = adviser.get(url)
    html = text(page)
    assert page.status_code == 200 and "Triage the notification" in html
    assert "Claim it" in html and "The notification from the school" in html
    assert "Sam Testparent" in html  # the notification, read-only
    assert 'name="expected_version"' in html
    claim_token = csrf_from(html)
    adviser.post(f"{url}/claim", data={"csrf_token": claim_token, "next": url})
    assert db_row(app, Task, triage["task_id"]).assignee_id == adviser.user["id"]
    page = adviser.get(url)
    answers = {"decision": "accept_monitoring", "reasons": "Evidence complete."}
    done = post_form(adviser, url, page.data, answers)
    assert done.status_code == 302 and done.headers["Location"] == f"/cases/{triage['case_id']}"
    case_page = text(adviser.get(done.headers["Location"]))
    assert "is complete. The case is now at the Monitoring stage." in case_page
    assert db_row(app, Case, triage["case_id"]).stage == "monitoring"
    assert "Stage changed from triage to monitoring" in case_page
    assert "Triage → Monitoring" in case_page


def test_form_errors_keep_the_answers_and_link_to_the_fields(app, triage):
    adviser = signed_in(app, "adviser")
    url = f"/tasks/{triage['task_id']}"
    page = adviser.get(url)
    answers = {"missing_evidence": ["letters", "meeting"], "allocated_adviser_email": "not-email"}
    response = post_form(adviser, url, page.data, answers)
    assert response.status_code == 422
    html = text(response)
    summary = error_summary(html)
    assert '<a href="#decision">Select Triage decision</a>' in summary
    assert '<a href="#reasons">Enter Reasons for the decision</a>' in summary
    assert 'href="#allocated_adviser_email"' in summary
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: Triage the notification" in html
    kept = form_fields(response.data)
    assert kept.getlist("missing_evidence") == ["letters", "meeting"]
    assert kept["allocated_adviser_email"] == "not-email"
    assert db_row(app, Task, triage["task_id"]).status == "open"


def test_a_task_completed_meanwhile_shows_a_friendly_409(app, client, triage):
    adviser = signed_in(app, "adviser")
    url = f"/tasks/{triage['task_id']}"
    page = adviser.get(url)
    assert complete(client, triage["notifier"], triage["task_id"]).status_code == 200
    answers = {"decision": "accept_monitoring", "reasons": "Too late."}
    response = post_form(adviser, url, page.data, answers)
    assert response.status_code == 409
    html = text(response)
    assert "This task has changed since you opened it" in html
    assert "This task has already been completed." in html and "Traceback" not in html
    assert f'href="/cases/{triage["case_id"]}"' in html
    completed = text(adviser.get(url))
    assert "This task has been completed." in completed and 'id="main-form"' not in completed


def test_a_stale_case_version_is_a_409(app, client, triage):
    adviser = signed_in(app, "adviser")
    url = f"/tasks/{triage['task_id']}"
    page = adviser.get(url)
    answers = {"decision": "accept_monitoring", "reasons": "Ok", "expected_version": "999"}
    response = post_form(adviser, url, page.data, answers)
    assert response.status_code == 409 and "changed since you loaded it" in text(response)


def test_a_task_someone_else_has_is_read_only(app, client, triage):
    client.post(f"/api/v1/tasks/{triage['task_id']}/claim", headers=auth(triage["notifier"]))
    adviser = signed_in(app, "adviser")
    url = f"/tasks/{triage['task_id']}"
    html = text(adviser.get(url))
    assert "is working on this task" in html and 'id="main-form"' not in html
    token = csrf_from(html)
    taken = adviser.post(url, data={"csrf_token": token, "decision": "accept_monitoring"})
    assert taken.status_code == 409 and "now assigned to" in text(taken)


def test_managers_read_adviser_tasks_but_cannot_complete_them(app, triage):
    manager = signed_in(app, "manager")
    url = f"/tasks/{triage['task_id']}"
    html = text(manager.get(url))
    assert "You can read this task but not complete it." in html
    assert 'id="main-form"' not in html and "Assign to a colleague" in html
    token = csrf_from(html)
    response = manager.post(url, data={"csrf_token": token, "decision": "accept_monitoring"})
    assert response.status_code == 409 and "You cannot work on this task." in text(response)
    assert db_row(app, Task, triage["task_id"]).status == "open"


def test_task_form_posts_need_the_csrf_token(app, triage):
    adviser = signed_in(app, "adviser")
    url = f"/tasks/{triage['task_id']}"
    response = adviser.post(url, data={"decision": "accept_monitoring", "reasons": "x"})
    assert response.status_code == 400 and "The form had expired" in text(response)
    assert db_row(app, Task, triage["task_id"]).status == "open"
