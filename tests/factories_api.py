"""Helpers for API tests: fast token-only users, cases, tasks and row counts.

Import with ``from factories_api import ...`` (``tests/`` is on ``sys.path``).  Users made here
have no password (so no argon2 hashing): they call the API with a bearer token only.  Use
``factories.make_user`` when a test signs in through the web form.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from factories import SCHOOL_A, SCHOOL_B, auth, deploy_files, notify
from sqlalchemy import func, select

from app.accounts import create_school, create_token, create_user
from app.audit import AuditEvent
from app.cases import Case, Task
from app.core.web import transaction

VALID_TRIAGE = {"decision": "accept_monitoring", "reasons": "Evidence complete."}


def api_user(app: Any, role: str, *, school: str | None = None, email: str | None = None) -> Any:
    """A token-only user (both test schools exist); returns {'id', 'email', 'token', ...}."""
    email = email or f"{role}{'-' + school if school else ''}@example.test"
    with app.app_context(), transaction():
        for urn, name in (SCHOOL_A, SCHOOL_B):
            create_school(urn, name)
        user = create_user(email, role=role, school_urn=school, name=f"{role.title()} {email}")
        return {
            "id": user.id,
            "email": email,
            "token": create_token(email),
            "role": role,
            "school": school,
        }


def deploy_school_lane_variant(app: Any) -> None:
    """Deploy a new version of the case model whose triage task sits in the School lane."""
    diagram = Path(app.config["BPMN_DIR"]) / "attendance_case" / "attendance_case.bpmn"
    text = diagram.read_text().replace(
        '<bpmn:lane id="Lane_system" name="Adviser">', '<bpmn:lane id="Lane_system" name="School">'
    )
    assert 'name="School"' in text
    deploy_files(app, "attendance_case", {"attendance_case.bpmn": text.encode()})


def open_case(client: Any, user: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """POST a valid notification as ``user``; returns the 201 body."""
    response = notify(client, user, **overrides)
    assert response.status_code == 201, response.json
    return dict(response.json)


def case_task(client: Any, user: dict[str, Any], case_id: int) -> dict[str, Any]:
    """The single open task of a case, as ``user`` sees it in GET /cases/{id}."""
    case = client.get(f"/api/v1/cases/{case_id}", headers=auth(user))
    assert case.status_code == 200, case.json
    (task,) = case.json["active_tasks"]
    return dict(task)


def complete(client: Any, user: dict[str, Any] | None, task_id: int, data: Any = None, **kw: Any):
    """POST /tasks/{id}/complete with ``{"data": data, **kw}``."""
    body = {"data": VALID_TRIAGE if data is None else data, **kw}
    headers = auth(user) if user else {}
    return client.post(f"/api/v1/tasks/{task_id}/complete", json=body, headers=headers)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """Check a JSON error response of the API's one shape; returns its body."""
    assert response.status_code == status, response.data[:300]
    assert response.is_json, response.data[:300]
    body = dict(response.json)
    assert isinstance(body["message"], str) and body["message"]
    if code:
        assert body["error"] == code
    return body


def listing(client: Any, user: dict[str, Any], path: str, **args: Any) -> dict[str, Any]:
    """GET a list endpoint under /api/v1 with query arguments; returns the 200 body."""
    response = client.get(f"/api/v1{path}", query_string=args, headers=auth(user))
    assert response.status_code == 200, response.json
    return dict(response.json)


def ids(body: dict[str, Any]) -> list[int]:
    """The ids of a list body's items, in order."""
    return [item["id"] for item in body["items"]]


def row_counts(app: Any) -> dict[str, int]:
    """How many cases, tasks and audit events are stored."""
    with app.extensions["db_sessions"]() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Case, Task, AuditEvent)
        }


def db_update(app: Any, model: Any, row_id: int, **values: Any) -> None:
    """Change columns of one row directly (e.g. make a task overdue)."""
    with app.extensions["db_sessions"]() as session, session.begin():
        row = session.get(model, row_id)
        for key, value in values.items():
            setattr(row, key, value)


def db_row(app: Any, model: Any, row_id: int) -> Any:
    """A detached copy of one row, read fresh from the database."""
    with app.extensions["db_sessions"]() as session:
        row = session.get(model, row_id)
        session.expunge_all()
        return row


_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: bytes | str) -> str:
    """The CSRF token of the first form on a page."""
    text = html.decode() if isinstance(html, bytes) else html
    match = _CSRF_RE.search(text)
    assert match, "no csrf_token field on the page"
    return match.group(1)


def sign_in(client: Any, email: str, password: str) -> Any:
    """Sign in through the web form (with its CSRF token); returns the POST response."""
    token = csrf_from(client.get("/sign-in").data)
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})
