"""Drivers for the pathway scenario tests: everything goes through the API, on the real model.

A test calls :func:`setup` (deploys ``bpmn/`` + ``forms/`` as ``pathway models deploy`` does,
loads the council calendar and makes an adviser, a manager and a user for each school), opens a
case with :func:`open_case`, completes tasks by their BPMN element id with :func:`complete`,
posts register marks with :func:`post_marks` and fires timers with :func:`run_timers_until`
(``app.cases.run_due_timers`` at the case's next due instant, as the worker does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from factories import SCHOOL_A, SCHOOL_B, auth, deploy_default
from factories_api import api_user
from factories_forms import PUPIL_UPN, SCHOOL_URN, valid_notification

from app.attendance import load_default_calendar
from app.cases import Case, Task, run_due_timers
from app.core.web import transaction

#: every school-stage step T1's evidence check looks for
COMPLETE_ACTIONS = [
    {"date": "2025-09-15", "action": "First-day call"},
    {"date": "2025-10-06", "action": "Concern letter 1"},
    {"date": "2025-10-13", "action": "Concern letter 2"},
    {"date": "2025-10-20", "action": "Attendance meeting", "details": "Parent attended."},
    {"date": "2025-11-03", "action": "Attendance action plan agreed"},
]


@dataclass
class World:
    """The users of a scenario (each a dict with a bearer token)."""

    adviser: dict[str, Any]
    manager: dict[str, Any]
    school: dict[str, Any]
    other_school: dict[str, Any]


def setup(app: Any) -> World:
    """Deploy the real pathway, load the council calendar and make the scenario's users."""
    deploy_default(app)
    with app.app_context(), transaction():
        load_default_calendar()
    return World(
        adviser=api_user(app, "adviser"),
        manager=api_user(app, "manager"),
        school=api_user(app, "school", school=SCHOOL_A[0]),
        other_school=api_user(app, "school", school=SCHOOL_B[0]),
    )


def notification(**overrides: Any) -> dict[str, Any]:
    """A valid notification whose school-stage evidence is complete (T1 checks it)."""
    body = valid_notification(**overrides)
    if "school_actions" not in overrides:
        body["school_actions"] = [dict(a) for a in COMPLETE_ACTIONS]
    return body


def with_attendance(possible: int, attended: int, unauthorised_10_weeks: int = 0) -> dict:
    """Notification overrides for the declared attendance figures."""
    return {
        "attendance": {
            "possible_sessions": possible,
            "attended_sessions": attended,
            "authorised_absences": 0,
            "unauthorised_absences": possible - attended,
            "unauthorised_last_10_weeks": unauthorised_10_weeks,
        }
    }


def open_case(client: Any, user: dict[str, Any], body: dict[str, Any]) -> int:
    """POST the notification; returns the new case id."""
    response = client.post("/api/v1/notifications", json=body, headers=auth(user))
    assert response.status_code == 201, response.json
    return int(response.json["case_id"])


def get_case(client: Any, user: dict[str, Any], case_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/cases/{case_id}", headers=auth(user))
    assert response.status_code == 200, response.json
    return dict(response.json)


def open_tasks(client: Any, user: dict[str, Any], case_id: int) -> list[dict[str, Any]]:
    """The case's open tasks the user sees in their own task list (their inbox)."""
    response = client.get(f"/api/v1/tasks?case={case_id}&per_page=100", headers=auth(user))
    assert response.status_code == 200, response.json
    return list(response.json["items"])


def find_task(client: Any, user: dict[str, Any], case_id: int, element_id: str) -> dict:
    """The open task ``element_id`` of the case, as ``user`` sees it (full task + form)."""
    matches = [t for t in open_tasks(client, user, case_id) if t["element_id"] == element_id]
    assert matches, (
        f"no open task {element_id!r}; open: "
        f"{[t['element_id'] for t in open_tasks(client, user, case_id)]}"
    )
    response = client.get(f"/api/v1/tasks/{matches[0]['id']}", headers=auth(user))
    assert response.status_code == 200, response.json
    return dict(response.json)


def complete(
    client: Any,
    user: dict[str, Any],
    case_id: int,
    element_id: str,
    data: dict[str, Any],
    status: int = 200,
) -> Any:
    """Complete the open task ``element_id`` with ``data``; returns the response."""
    task = find_task(client, user, case_id, element_id)
    response = client.post(
        f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=auth(user)
    )
    assert response.status_code == status, response.json
    return response


def accept_triage(client: Any, adviser: dict[str, Any], case_id: int, **extra: Any) -> None:
    """Complete triage with ``accept_monitoring`` (the table's suggestion for a PA pupil)."""
    complete(
        client,
        adviser,
        case_id,
        "triage_review",
        {"outcome": "accept_monitoring", "reasons": "Persistent absence.", **extra},
    )


def send_message(
    client: Any, user: dict[str, Any], case_id: int, name: str, payload: dict | None = None
) -> Any:
    return client.post(
        f"/api/v1/cases/{case_id}/messages",
        json={"name": name, "payload": payload or {}},
        headers=auth(user),
    )


def task_data(app: Any, case_id: int, element_id: str) -> dict[str, Any]:
    """The engine's full task data of an open task (dates the diagrams computed, etc.)."""
    with app.app_context(), transaction() as session:
        task = session.query(Task).filter_by(case_id=case_id, element_id=element_id).first()
        assert task is not None, element_id
        return dict(task.data)


def next_timer_at(app: Any, case_id: int) -> datetime | None:
    with app.app_context(), transaction() as session:
        return session.get(Case, case_id).next_timer_at


def run_timers_until(
    app: Any, client: Any, user: dict[str, Any], case_id: int, element_id: str, limit: int = 12
) -> list[str]:
    """Fire the case's timers one due instant at a time until task ``element_id`` opens."""
    fired: list[str] = []
    for _ in range(limit):
        if any(t["element_id"] == element_id for t in open_tasks(client, user, case_id)):
            return fired
        due = next_timer_at(app, case_id)
        assert due is not None, f"no timer pending and no task {element_id!r}; fired {fired}"
        if due.tzinfo is None:
            from datetime import UTC

            due = due.replace(tzinfo=UTC)
        with app.app_context():
            outcomes = run_due_timers(due + timedelta(seconds=1), app.extensions["db_sessions"])
        for outcome in outcomes:
            assert not outcome.get("error"), outcome
            fired.extend(outcome["fired"])
    raise AssertionError(f"task {element_id!r} did not open; fired {fired}")


def weekdays(start: date, end: date) -> list[date]:
    """Monday-to-Friday dates from ``start`` to ``end`` inclusive."""
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def post_marks(
    client: Any,
    user: dict[str, Any],
    start: date,
    end: date,
    code: str = "/",
    *,
    upn: str = PUPIL_UPN,
    urn: str = SCHOOL_URN,
) -> dict[str, Any]:
    """POST an AM and a PM mark with ``code`` for every weekday in [start, end]."""
    marks = [
        {"urn": urn, "upn": upn, "date": d.isoformat(), "session": s, "code": code}
        for d in weekdays(start, end)
        for s in ("AM", "PM")
    ]
    response = client.post("/api/v1/attendance", json={"marks": marks}, headers=auth(user))
    assert response.status_code == 200, response.json
    return dict(response.json)


def timeline(case: dict[str, Any], event_type: str | None = None) -> list[dict[str, Any]]:
    return [e for e in case["timeline"] if event_type is None or e["event_type"] == event_type]


def dmn_rows(case: dict[str, Any], element_id: str) -> list[list[int]]:
    """For each time the DMN task ``element_id`` ran: the rows that fired."""
    return [
        [r["row"] for r in e["detail"].get("rules", [])]
        for e in timeline(case, "decision_made")
        if e["detail"].get("element_id") == element_id
    ]


def letters(case: dict[str, Any], template: str) -> list[dict[str, Any]]:
    """The case's documents made from ``template``."""
    return [d for d in case["documents"] if d["template"] == template]
