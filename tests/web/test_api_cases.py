"""API behaviour: intake, completion (422/409, races), claims, lists, case detail, errors, auth."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from factories import PASSWORD, auth, deploy_default, make_user, notify, valid_notification
from factories_api import (
    VALID_TRIAGE,
    api_user,
    assert_error,
    case_task,
    complete,
    csrf_from,
    db_row,
    db_update,
    ids,
    listing,
    open_case,
    row_counts,
    sign_in,
)

from app.cases import Case, Task
from app.cases import queries as case_queries
from app.forms import make_upn

API = "/api/v1"


def setup_triage(app: Any, client: Any, **overrides: Any) -> tuple[dict, dict, dict]:
    """Deploy, create an adviser, open one case; returns (adviser, created case, triage task)."""
    deploy_default(app)
    adviser = api_user(app, "adviser")
    created = open_case(client, adviser, **overrides)
    return adviser, created, case_task(client, adviser, created["case_id"])


# --- POST /notifications -------------------------------------------------------------------


def test_invalid_notification_is_422_by_field_path_and_writes_nothing(app, client):
    deploy_default(app)
    school = api_user(app, "school", school="100001")
    payload = valid_notification(pupil={"upn": "A123"}, attendance={"possible_sessions": "lots"})
    del payload["pupil"]["surname"]
    del payload["parents"][0]["full_name"]
    before = row_counts(app)

    body = assert_error(
        client.post(f"{API}/notifications", json=payload, headers=auth(school)), 422, "invalid"
    )

    for field in ("pupil.upn", "pupil.surname", "parents.0.full_name"):
        assert field in body["errors"], body["errors"]
        assert all(isinstance(m, str) for m in body["errors"][field])
    assert any(key.startswith("attendance.") for key in body["errors"])
    assert row_counts(app) == before


NOT_AN_OBJECT = [
    {"data": "not json at all", "content_type": "text/plain"},
    {"data": "{broken", "content_type": "application/json"},
    {"json": ["a", "list"]},
    {},
]


def test_notification_body_that_is_not_a_json_object_is_422(app, client):
    deploy_default(app)
    school = api_user(app, "school", school="100001")
    before = row_counts(app)
    for kwargs in NOT_AN_OBJECT:
        response = client.post(f"{API}/notifications", headers=auth(school), **kwargs)
        assert "_root" in assert_error(response, 422, "invalid")["errors"], kwargs
    assert row_counts(app) == before


def test_unknown_school_urn_is_422_on_school_urn(app, client):
    deploy_default(app)
    adviser = api_user(app, "adviser")
    before = row_counts(app)
    body = assert_error(notify(client, adviser, school={"urn": "999999"}), 422)
    assert list(body["errors"]) == ["school.urn"]
    assert row_counts(app) == before


def test_notification_before_any_model_is_deployed_is_409(app, client):
    school = api_user(app, "school", school="100001")
    body = assert_error(notify(client, school), 409, "conflict")
    assert "not been deployed" in body["message"]
    assert row_counts(app) == {"cases": 0, "tasks": 0, "audit_events": 0}


# --- POST /tasks/{id}/complete: 422 and 409 ------------------------------------------------

BAD_COMPLETIONS = [
    ({"data": {"decision": "maybe", "reasons": "x"}}, "decision"),
    ({"data": {"decision": "accept_monitoring"}}, "reasons"),
    ({"data": {**VALID_TRIAGE, "colour": "blue"}}, "colour"),
    ({"data": "accept"}, "data"),
    ({"decision": "accept_monitoring"}, "data"),
    ({"data": VALID_TRIAGE, "expected_version": "one"}, "expected_version"),
]


def test_complete_with_invalid_data_is_422_and_writes_nothing(app, client):
    adviser, created, task = setup_triage(app, client)
    before, case_before = row_counts(app), db_row(app, Case, created["case_id"])
    for body, field in BAD_COMPLETIONS:
        response = client.post(
            f"{API}/tasks/{task['id']}/complete", json=body, headers=auth(adviser)
        )
        assert field in assert_error(response, 422, "invalid")["errors"], body
    assert row_counts(app) == before
    assert db_row(app, Task, task["id"]).status == "open"
    assert db_row(app, Case, created["case_id"]).version == case_before.version


def test_double_completion_is_409(app, client):
    adviser, _, task = setup_triage(app, client)
    done = complete(client, adviser, task["id"])
    assert done.status_code == 200, done.json
    assert done.json["status"] == "completed" and done.json["assignee"]["id"] == adviser["id"]
    assert done.json["completed_by_id"] == adviser["id"]
    before = row_counts(app)
    assert_error(complete(client, adviser, task["id"]), 409, "conflict")
    assert row_counts(app) == before


def test_stale_expected_version_is_409_and_writes_nothing(app, client):
    adviser, created, task = setup_triage(app, client)
    before = row_counts(app)
    stale = task["case_version"] - 1
    assert_error(complete(client, adviser, task["id"], expected_version=stale), 409, "conflict")
    assert row_counts(app) == before
    assert db_row(app, Task, task["id"]).status == "open"
    assert db_row(app, Case, created["case_id"]).version == task["case_version"]
    fresh = complete(client, adviser, task["id"], expected_version=task["case_version"])
    assert fresh.status_code == 200, fresh.json
    assert fresh.json["case"]["version"] > task["case_version"]


def test_concurrent_completions_exactly_one_wins(app):
    adviser, created, task = setup_triage(app, app.test_client())
    barrier = threading.Barrier(2, timeout=10)
    statuses: list[int] = []

    def worker() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(complete(client, adviser, task["id"]).status_code)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 409]
    timeline = app.test_client().get(f"{API}/cases/{created['case_id']}", headers=auth(adviser))
    kinds = [e["event_type"] for e in timeline.json["timeline"]]
    assert kinds.count("task_completed") == 1 and kinds.count("stage_changed") == 1


# --- POST /tasks/{id}/claim ----------------------------------------------------------------


def test_claim_assigns_audits_and_guards_other_advisers(app, client):
    first, created, task = setup_triage(app, client)
    second = api_user(app, "adviser", email="second-adviser@example.test")
    claim = f"{API}/tasks/{task['id']}/claim"

    claimed = client.post(claim, headers=auth(first))
    assert claimed.status_code == 200, claimed.json
    assert claimed.json["assignee"]["id"] == first["id"]
    case = client.get(f"{API}/cases/{created['case_id']}", headers=auth(first)).json
    claims = [e for e in case["timeline"] if e["event_type"] == "task_claimed"]
    assert [e["detail"]["task_id"] for e in claims] == [task["id"]]

    assert (
        "already assigned" in assert_error(client.post(claim, headers=auth(second)), 409)["message"]
    )
    before = row_counts(app)
    again = client.post(claim, headers=auth(first))
    assert again.status_code == 200 and again.json["assignee"]["id"] == first["id"]
    assert_error(complete(client, second, task["id"]), 409, "conflict")
    assert row_counts(app) == before  # neither a repeat claim nor a refused completion writes
    assert complete(client, first, task["id"]).status_code == 200
    assert_error(client.post(claim, headers=auth(first)), 409)  # no longer open


# --- GET /cases and GET /tasks -------------------------------------------------------------


def pupil(forenames: str, surname: str, serial: int) -> dict[str, Any]:
    return {"forenames": forenames, "surname": surname, "upn": make_upn(937, 2001, 19, serial)}


def test_case_filters_and_pagination(app, client):
    adviser, triage, _ = setup_triage(app, client, pupil=pupil("Ada", "Lovelace", 1))
    monitoring = open_case(client, adviser, pupil=pupil("Alan", "Turing", 2))
    closed = open_case(client, adviser, pupil=pupil("Grace", "Hopper", 3))
    other = open_case(
        client, adviser, pupil=pupil("Edsger", "Dijkstra", 4), school={"urn": "100002"}
    )
    complete(client, adviser, case_task(client, adviser, monitoring["case_id"])["id"])
    returned = {"decision": "return_to_school", "reasons": "Evidence missing."}
    complete(client, adviser, case_task(client, adviser, closed["case_id"])["id"], returned)
    newest_first = [c["case_id"] for c in (other, closed, monitoring, triage)]

    assert ids(listing(client, adviser, "/cases")) == newest_first
    upn = make_upn(937, 2001, 19, 2).lower()
    for args, expected in [
        ({"stage": "triage"}, [other, triage]),
        ({"stage": "monitoring"}, [monitoring]),
        ({"status": "closed"}, [closed]),
        ({"status": "open", "school": "100001"}, [monitoring, triage]),
        ({"q": closed["reference"]}, [closed]),
        ({"q": "lovelace"}, [triage]),
        ({"q": "ada lov"}, [triage]),
        ({"q": upn}, [monitoring]),
        ({"q": "nobody"}, []),
        ({"q": "%"}, []),  # wildcards are matched literally
        ({"q": "A_a"}, []),
    ]:
        got = ids(listing(client, adviser, "/cases", **args))
        assert got == [c["case_id"] for c in expected], args
    page = listing(client, adviser, "/cases", per_page=3, page=2)
    assert (ids(page), page["page"], page["per_page"], page["total"]) == (
        [triage["case_id"]],
        2,
        3,
        4,
    )
    assert listing(client, adviser, "/cases", page=9)["items"] == []


BAD_QUERIES = [
    ("/cases", {"per_page": 1000}, "per_page"),
    ("/cases", {"page": 0}, "page"),
    ("/cases", {"status": "bogus"}, "status"),
    ("/cases", {"school": "abc"}, "school"),
    ("/tasks", {"assigned": "them"}, "assigned"),
    ("/tasks", {"overdue": "perhaps"}, "overdue"),
    ("/tasks", {"case": "x"}, "case"),
]


def test_bad_query_args_are_422(app, client):
    adviser = api_user(app, "adviser")
    for path, args, field in BAD_QUERIES:
        response = client.get(f"{API}{path}", query_string=args, headers=auth(adviser))
        assert field in assert_error(response, 422, "invalid")["errors"], args


def test_task_filters_assigned_case_and_overdue(app, client):
    adviser, _, mine = setup_triage(app, client)
    second = open_case(client, adviser)
    other = case_task(client, adviser, second["case_id"])
    assert client.post(f"{API}/tasks/{mine['id']}/claim", headers=auth(adviser)).status_code == 200
    db_update(app, Task, mine["id"], due_at=datetime.now(UTC) - timedelta(days=1))

    for args, expected in [
        ({"assigned": "me"}, [mine]),
        ({"assigned": "unassigned"}, [other]),
        ({"assigned": "all"}, [mine, other]),
        ({"case": second["case_id"]}, [other]),
        ({"overdue": "true"}, [mine]),
        ({"overdue": "false"}, [other]),
        ({"overdue": "false", "assigned": "me"}, []),
    ]:
        got = ids(listing(client, adviser, "/tasks", **args))
        assert got == [t["id"] for t in expected], args
    assert listing(client, adviser, "/tasks", per_page=1)["total"] == 2


# --- GET /cases/{id} -----------------------------------------------------------------------


def test_case_detail_has_stage_tasks_timeline_and_documents(app, client):
    adviser, created, task = setup_triage(app, client)
    url = f"{API}/cases/{created['case_id']}"
    case = client.get(url, headers=auth(adviser)).json
    assert case["reference"] == created["reference"]
    assert (case["stage"], case["status"]) == ("triage", "open")
    assert [t["element_id"] for t in case["active_tasks"]] == ["triage"]
    assert case["documents"] == []
    assert case["school"] == {"urn": "100001", "name": "Riverside Primary School"}

    data = {**VALID_TRIAGE, "advice_to_school": "Keep the plan going."}
    assert complete(client, adviser, task["id"], data).status_code == 200
    case = client.get(url, headers=auth(adviser)).json
    assert (case["stage"], case["status"], case["active_tasks"]) == ("monitoring", "open", [])
    timeline = case["timeline"]
    kinds = "case_started service_task_run task_created task_completed decision_made stage_changed"
    assert [e["event_type"] for e in timeline] == kinds.split()
    assert [e["id"] for e in timeline] == sorted(e["id"] for e in timeline)
    assert [e["at"] for e in timeline] == sorted(e["at"] for e in timeline)
    by_kind = {e["event_type"]: e for e in timeline}
    assert by_kind["task_completed"]["detail"]["data"] == data
    assert by_kind["task_completed"]["actor"].endswith("(adviser)")
    assert by_kind["service_task_run"]["detail"]["result"]["attendance_pct"] == 80.0
    assert by_kind["case_started"]["detail"]["notification"]["pupil"]["surname"] == "Testpupil"
    assert by_kind["stage_changed"]["detail"] == {"from": "triage", "to": "monitoring"}


# --- errors, OpenAPI -----------------------------------------------------------------------


def test_errors_are_json_under_the_api(app, client):
    adviser = api_user(app, "adviser")
    assert_error(client.get(f"{API}/nope", headers=auth(adviser)), 404, "not_found")
    assert_error(client.get(f"{API}/nope"), 404, "not_found")
    assert_error(client.delete(f"{API}/cases", headers=auth(adviser)), 405)
    assert_error(client.get(f"{API}/notifications", headers=auth(adviser)), 405)
    assert_error(client.get(f"{API}/forms/no_such_form", headers=auth(adviser)), 404)
    assert_error(client.get(f"{API}/cases", headers={"Authorization": "Bearer nope"}), 401)
    assert_error(client.get(f"{API}/process-models/nope/versions", headers=auth(adviser)), 404)
    for method, path in (("GET", ""), ("POST", "/claim"), ("POST", "/complete")):
        response = client.open(
            f"{API}/tasks/999999{path}", method=method, json={"data": {}}, headers=auth(adviser)
        )
        assert_error(response, 404, "not_found")


def test_writes_without_credentials_are_401_whatever_the_body(app, client):
    bodies = [{}, {"json": {"bogus": True}}, {"data": "text", "content_type": "text/plain"}]
    for path in ("/notifications", "/tasks/1/claim", "/tasks/1/complete", "/cases/1/messages"):
        for kwargs in bodies:
            response = client.post(f"{API}{path}", **kwargs)
            assert_error(response, 401, "unauthorized")


def test_unexpected_errors_are_500_json_without_details(app, client, monkeypatch):
    adviser = api_user(app, "adviser")

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(case_queries, "list_cases", boom)
    response = client.get(f"{API}/cases", headers=auth(adviser))
    body = assert_error(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "secret detail" not in text
    assert set(body) == {"error", "message"}


#: the API contract of issue 2: method and path, as the OpenAPI document names them
CONTRACT = (
    "get /health, post /notifications, get /cases, get /cases/{id}, get /tasks, get /tasks/{id}, "
    "post /tasks/{id}/claim, post /tasks/{id}/complete, get /forms/{name}, get /process-models, "
    "get /process-models/{id}/versions"
)


def test_openapi_document_lists_the_contract(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    doc = response.json
    assert doc["openapi"].startswith("3.") and doc["info"]["title"]
    for method, path in (entry.split() for entry in CONTRACT.split(", ")):
        operation = doc["paths"][path][method]
        assert {"200", "201"} & set(operation["responses"]), (method, path)
        if operation.get("security", doc["security"]):  # authenticated routes document 401
            assert "401" in operation["responses"], (method, path)
    for name in ("Case", "Task", "Error", "Form"):
        assert name in doc["components"]["schemas"]
    try:
        from openapi_spec_validator import validate  # not a dependency
    except ImportError:
        return
    validate(doc)


# --- session-cookie access -----------------------------------------------------------------


def test_session_cookie_api_access_needs_csrf_header_for_writes(app, client):
    deploy_default(app)
    adviser = make_user(app, "adviser")
    created = open_case(client, adviser)
    task_id = case_task(client, adviser, created["case_id"])["id"]

    assert_error(client.get(f"{API}/cases"), 401, "unauthorized")
    assert sign_in(client, adviser["email"], PASSWORD).status_code == 302
    assert ids(client.get(f"{API}/cases").json) == [created["case_id"]]

    claim = f"{API}/tasks/{task_id}/claim"
    assert "X-CSRFToken" in assert_error(client.post(claim), 401)["message"]
    assert_error(client.post(claim, headers={"X-CSRFToken": "forged"}), 401)
    token = csrf_from(client.get("/").data)
    response = client.post(claim, headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.json
    assert response.json["assignee"]["id"] == adviser["id"]
