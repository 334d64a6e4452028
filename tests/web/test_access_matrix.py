"""The access matrix: every API route x every role, on both databases.

One world per test: school A (URN 100001) has two cases whose triage task is in the Adviser lane
and two cases (started on a later model version) whose triage task is in the School lane; school
B (100002) has one case.  ``EXPECTED`` is the required status of each route for each role; the
parametrized test calls every route as one role and compares the whole row at once.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from factories import auth, deploy_default, deploy_files, valid_notification
from factories_api import (
    VALID_TRIAGE,
    api_user,
    case_task,
    deploy_school_lane_variant,
    open_case,
)

import service_tasks
from app.core.web import transaction
from app.forms import make_upn

ROOT = Path(__file__).parents[2]
ROLES = ("anonymous", "school_a", "school_b", "adviser", "manager", "process_owner", "admin")
A, B = "100001", "100002"

# route                      anon school_a school_b adviser manager p_owner admin
_TABLE = """
health                       200  200      200      200     200     200     200
openapi                      200  200      200      200     200     200     200
notify                       401  201      422      201     403     403     201
list_cases                   401  200      200      200     200     200     200
get_case                     401  200      404      200     200     404     200
send_message                 401  403      404      409     409     404     409
list_tasks                   401  200      200      200     200     200     200
get_adviser_task             401  404      404      200     200     404     200
claim_adviser_task           401  404      404      200     403     404     200
complete_adviser_task        401  404      404      200     403     404     200
get_school_task              401  200      404      200     200     404     200
claim_school_task            401  200      404      403     403     404     200
complete_school_task         401  200      404      403     403     404     200
get_form                     401  200      200      200     200     200     200
list_models                  401  403      403      200     200     200     200
list_versions                401  403      403      200     200     200     200
import_marks                 401  200      200      200     403     403     200
create_import                401  403      403      422     403     403     422
list_imports                 401  403      403      200     403     403     200
get_import                   401  404      404      200     404     404     200
get_document                 401  200      404      200     200     404     200
download_document            401  200      404      200     200     404     200
list_letter_templates        401  403      403      200     200     200     200
get_letter_template          401  403      403      200     200     200     200
get_letter_template_version  401  403      403      200     200     200     200
save_letter_template         401  403      403      403     403     422     422
start_school_stage           401  201      201      201     403     403     201
list_school_stages           401  200      200      200     200     200     200
get_school_stage             401  200      404      200     200     404     200
school_stage_notification    401  409      404      409     409     404     409
open_term_meetings           401  403      403      403     201     403     201
list_term_meetings           401  200      200      200     200     200     200
set_link_adviser             401  403      403      403     200     403     200
"""

#: route -> role -> expected HTTP status
EXPECTED: dict[str, dict[str, int]] = {
    line.split()[0]: dict(zip(ROLES, map(int, line.split()[1:]), strict=True))
    for line in _TABLE.strip().splitlines()
}


@dataclass
class World:
    """Ids of the things the routes are called on."""

    case_a: int
    adviser_task: int  # claimed in the claim row
    adviser_task_2: int  # completed in the complete row
    school_task: int
    school_task_2: int
    case_b: int
    all_cases: set[int]
    adviser_tasks: set[int]
    school_a_tasks: set[int]
    document_a: int  # a letter on case_a
    import_id: int  # an attendance file imported by an adviser
    stage_a: int = 0  # a school stage at school A (not referred yet)
    term: str = "autumn-2026"  # the term whose targeting meetings are opened
    urn_a: str = A


def build_world(app: Any, client: Any) -> World:
    deploy_default(app)
    adviser = api_user(app, "adviser", email="seed-adviser@example.test")
    a1, a2 = (open_case(client, adviser)["case_id"] for _ in range(2))
    b1 = open_case(client, adviser, school={"urn": B})["case_id"]
    deploy_school_lane_variant(app)
    a3, a4 = (open_case(client, adviser)["case_id"] for _ in range(2))
    tasks = {c: case_task(client, adviser, c)["id"] for c in (a1, a2, b1, a3, a4)}
    document_a, import_id = _letter_and_import(app, client, adviser, a1)
    for model in ("school_stage", "targeting_meeting"):
        folder = ROOT / "bpmn" / model
        files = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".bpmn", ".dmn")}
        deploy_files(app, model, files, forms_dir=ROOT / "forms")
    stage = client.post(
        "/api/v1/school-stages",
        json={**SCHOOL_STAGE, "pupil": {**SCHOOL_STAGE["pupil"], "upn": STAGE_UPNS[0]}},
        headers=auth(adviser),
    )
    assert stage.status_code == 201, stage.json
    stage_task = case_task(client, adviser, stage.json["id"])["id"]  # the school's first step
    return World(
        case_a=a1,
        adviser_task=tasks[a1],
        adviser_task_2=tasks[a2],
        school_task=tasks[a3],
        school_task_2=tasks[a4],
        case_b=b1,
        all_cases={a1, a2, b1, a3, a4},
        adviser_tasks={tasks[a1], tasks[a2], tasks[b1]},
        school_a_tasks={tasks[a3], tasks[a4], stage_task},
        document_a=document_a,
        import_id=import_id,
        stage_a=stage.json["id"],
    )


def _letter_and_import(app: Any, client: Any, adviser: dict[str, Any], case_id: int):
    reference = client.get(f"/api/v1/cases/{case_id}", headers=auth(adviser)).json["reference"]
    with app.app_context(), transaction():
        letter = service_tasks.call(
            "letters.generate",
            {"template": "D4", "case_reference": reference, "recipients": ["A"], "data": {}},
        )
    upload = client.post(
        "/api/v1/attendance/imports",
        data={"file": (io.BytesIO(b"urn,upn,date,session,code\n"), "empty.csv")},
        headers=auth(adviser),
        content_type="multipart/form-data",
    )
    assert upload.status_code == 202, upload.json
    return letter["documents"][0]["id"], upload.json["id"]


def actor_headers(app: Any, role: str) -> dict[str, str]:
    """Authorization headers for one of ROLES (none for anonymous)."""
    if role == "anonymous":
        return {}
    if role.startswith("school_"):
        return auth(api_user(app, "school", school=A if role == "school_a" else B))
    return auth(api_user(app, role))


STAGE_UPNS = (make_upn(937, 2001, 20, 1), make_upn(937, 2001, 20, 2))
SCHOOL_STAGE = {
    "pupil": {
        "upn": STAGE_UPNS[1],
        "forenames": "Kit",
        "surname": "Sample",
        "date_of_birth": "2016-05-01",
    },
    "parents": [{"full_name": "Lee Sample", "relationship": "Carer"}],
    "school_urn": A,
}

MARK_AT_A = {
    "urn": A,
    "upn": valid_notification()["pupil"]["upn"],
    "date": "2026-11-02",
    "session": "AM",
    "code": "/",
}

#: route -> (method, path under /api/v1 with {World field} placeholders, JSON body)
ROUTES: dict[str, tuple[str, str, Any]] = {
    "health": ("GET", "/health", None),
    "openapi": ("GET", "/openapi.json", None),
    # called before any marks are imported: the spine's placeholder pathway has no band table
    # for the watch list (tests/scenarios/test_targeting_meeting.py runs it on the real one)
    "open_term_meetings": ("POST", "/tsm/terms/{term}/open", None),
    "notify": ("POST", "/notifications", valid_notification()),
    "list_cases": ("GET", "/cases", None),
    "get_case": ("GET", "/cases/{case_a}", None),
    # an event no case waits for: 409 means "allowed, but the case is not waiting for it"
    "send_message": ("POST", "/cases/{case_a}/messages", {"name": "no_such_event"}),
    "list_tasks": ("GET", "/tasks", None),
    "get_adviser_task": ("GET", "/tasks/{adviser_task}", None),
    "claim_adviser_task": ("POST", "/tasks/{adviser_task}/claim", None),
    "complete_adviser_task": ("POST", "/tasks/{adviser_task_2}/complete", {"data": VALID_TRIAGE}),
    "get_school_task": ("GET", "/tasks/{school_task}", None),
    "claim_school_task": ("POST", "/tasks/{school_task}/claim", None),
    "complete_school_task": ("POST", "/tasks/{school_task_2}/complete", {"data": VALID_TRIAGE}),
    "get_form": ("GET", "/forms/{form}", None),
    "list_models": ("GET", "/process-models", None),
    "list_versions": ("GET", "/process-models/{model}/versions", None),
    # school B's row for school A's pupil is a row error inside a 200, not a refusal
    "import_marks": ("POST", "/attendance", {"marks": [MARK_AT_A]}),
    # a JSON body instead of a CSV upload: 422 means "allowed, but send a file"
    "create_import": ("POST", "/attendance/imports", {}),
    "list_imports": ("GET", "/attendance/imports", None),
    "get_import": ("GET", "/attendance/imports/{import_id}", None),
    "get_document": ("GET", "/documents/{document_a}", None),
    # the letter itself (its HTML until the worker has made the PDF)
    "download_document": ("GET", "/documents/{document_a}/download", None),
    "list_letter_templates": ("GET", "/letter-templates", None),
    "get_letter_template": ("GET", "/letter-templates/{template}", None),
    "get_letter_template_version": ("GET", "/letter-templates/{template}/versions/{version}", None),
    # an unknown placeholder: 422 means "allowed, but the template is refused" (nothing saved)
    "save_letter_template": (
        "PUT",
        "/letter-templates/{template}",
        {"content": "{{ data.nope }}"},
    ),
    # schools start it for their own pupils (school_urn is ignored for them)
    "start_school_stage": ("POST", "/school-stages", SCHOOL_STAGE),
    "list_school_stages": ("GET", "/school-stages", None),
    "get_school_stage": ("GET", "/school-stages/{stage_a}", None),
    # 409 means "allowed, but this stage has not referred the pupil"
    "school_stage_notification": ("GET", "/school-stages/{stage_a}/notification", None),
    "list_term_meetings": ("GET", "/tsm", None),
    "set_link_adviser": ("PUT", "/schools/{urn_a}/link-adviser", {"adviser_id": None}),
}

#: routes whose successful response is a file, not JSON
FILE_ROUTES = {"download_document"}


def call_routes(client: Any, world: World, headers: dict[str, str]) -> dict[str, int]:
    """Call every route once; returns route -> status (each POST acts on its own task)."""
    statuses = {}
    for name, (method, template, body) in ROUTES.items():
        path = "/api/v1" + template.format(
            form="notification", model="attendance_case", template="D4", version=1, **vars(world)
        )
        response = client.open(path, method=method, json=body, headers=headers)
        ok_file = name in FILE_ROUTES and response.status_code == 200
        assert response.is_json or ok_file, (name, response.data[:200])
        statuses[name] = response.status_code
    return statuses


def _shape(rule: str) -> str:
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", rule)


def test_the_matrix_covers_every_api_route(app):
    """A new API route fails this test until it has a row in the matrix."""
    assert ROUTES.keys() == EXPECTED.keys()
    served = {
        (method, _shape(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    covered = {(method, _shape("/api/v1" + path)) for method, path, _ in ROUTES.values()}
    assert served == covered


#: role -> (cases it may see, tasks it may see), as keys of ``visible_sets``
VISIBLE = {
    "school_a": ("school_a_cases", "school_a_tasks"),
    "school_b": ("school_b_cases", "nothing"),
    "adviser": ("all_cases", "all_tasks"),
    "manager": ("all_cases", "all_tasks"),
    "process_owner": ("nothing", "nothing"),
    "admin": ("all_cases", "all_tasks"),
}


def visible_sets(world: World) -> dict[str, set[int]]:
    return {
        "nothing": set(),
        "all_cases": world.all_cases,
        "school_a_cases": world.all_cases - {world.case_b},
        "school_b_cases": {world.case_b},
        "all_tasks": world.adviser_tasks | world.school_a_tasks,
        "school_a_tasks": world.school_a_tasks,
    }


def listed_ids(client: Any, path: str, headers: dict[str, str], **args: Any) -> set[int]:
    response = client.get(f"/api/v1{path}", query_string={"per_page": 200, **args}, headers=headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["total"] == len(body["items"])
    return {item["id"] for item in body["items"]}


def assert_scope(client: Any, world: World, role: str, headers: dict[str, str]) -> None:
    """Lists and case details show exactly what ``role`` may see, and nothing else."""
    sets = visible_sets(world)
    cases, tasks = (sets[key] for key in VISIBLE[role])
    assert listed_ids(client, "/cases", headers) == cases
    assert listed_ids(client, "/tasks", headers) == tasks
    assert listed_ids(client, "/tasks", headers, assigned="unassigned") <= tasks
    opened = set()
    for case_id in world.all_cases:
        response = client.get(f"/api/v1/cases/{case_id}", headers=headers)
        assert response.status_code in (200, 404), response.json
        if response.status_code == 200:
            opened.add(case_id)
            assert {t["id"] for t in response.json["active_tasks"]} <= tasks
    assert opened == cases


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, client, role):
    world = build_world(app, client)
    headers = actor_headers(app, role)
    if role != "anonymous":
        assert_scope(client, world, role, headers)
    actual = call_routes(client, world, headers)
    expected = {route: row[role] for route, row in EXPECTED.items()}
    assert actual == expected


def test_school_user_cannot_filter_its_way_into_another_school(app, client):
    world = build_world(app, client)
    headers = actor_headers(app, "school_a")
    assert listed_ids(client, "/cases", headers, school=B) == set()
    assert listed_ids(client, "/tasks", headers, case=world.case_b) == set()
    assert listed_ids(client, "/tasks", headers, role="adviser") == set()
