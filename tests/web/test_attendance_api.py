"""POST /api/v1/attendance: bulk session marks, row errors, idempotency, roles, size limit."""

from __future__ import annotations

from typing import Any

import pytest
from factories import auth
from factories_api import api_user, assert_error
from sqlalchemy import select

from app.attendance import MAX_MARKS, AttendanceMark, AttendanceMarkChange
from app.audit import AuditEvent
from app.forms import make_upn

URL = "/api/v1/attendance"
UPN = make_upn(937, 2001, 15, 1)
UPN_2 = make_upn(937, 2001, 15, 2)
BAD_CHECK_LETTER = ("B" if UPN[0] == "A" else "A") + UPN[1:]


def mark(**overrides: Any) -> dict[str, Any]:
    return {"urn": "100001", "upn": UPN, "date": "2026-11-02", "session": "AM", "code": "/"} | (
        overrides
    )


def post(client: Any, user: dict[str, Any], marks: list[Any]) -> Any:
    return client.post(URL, json={"marks": marks}, headers=auth(user))


def stored(app: Any, model: Any = AttendanceMark) -> list[Any]:
    with app.extensions["db_sessions"]() as session:
        rows = list(session.scalars(select(model).order_by(model.id)))
        session.expunge_all()
        return rows


def test_good_rows_land_and_bad_rows_are_reported_by_index(app, client):
    adviser = api_user(app, "adviser")
    marks = [
        mark(),
        mark(session="PM", code="\\"),
        mark(code="A"),  # unknown code
        mark(upn=BAD_CHECK_LETTER),
        mark(urn="999999"),  # unknown school
        mark(date="2026-02-30"),
        mark(date="02/11/2026"),
        mark(session="EV"),
        mark(date="2026-11-03", code="H"),  # legacy code after 19 Aug 2024
        mark(date="2024-07-01", code="h"),  # legacy code in history: fine (case folded)
        "not an object",
        mark(upn=UPN_2.lower(), session="pm", code="y1"),  # normalised
        {"urn": "100001"},
    ]
    response = post(client, adviser, marks)
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["inserted"], body["updated"], body["unchanged"]) == (4, 0, 0)
    errors = {e["row"]: e["message"] for e in body["errors"]}
    assert sorted(errors) == [2, 3, 4, 5, 6, 7, 8, 10, 12]
    assert "not a national attendance code" in errors[2]
    assert "check letter" in errors[3]
    assert "999999" in errors[4]
    assert "real date" in errors[5] and "real date" in errors[6]
    assert "AM or PM" in errors[7]
    assert "19 August 2024" in errors[8]
    assert "object" in errors[10]
    assert all(word in errors[12] for word in ("upn", "date", "session", "code"))
    rows = {(m.upn, m.date.isoformat(), m.session): m.code for m in stored(app)}
    assert rows == {
        (UPN, "2026-11-02", "AM"): "/",
        (UPN, "2026-11-02", "PM"): "\\",
        (UPN, "2024-07-01", "AM"): "H",
        (UPN_2, "2026-11-02", "PM"): "Y1",
    }


def test_resending_is_idempotent_and_changes_are_kept_as_evidence(app, client):
    adviser = api_user(app, "adviser")
    first = post(client, adviser, [mark(), mark(session="PM", code="N")]).json
    assert (first["inserted"], first["updated"]) == (2, 0)
    again = post(client, adviser, [mark(), mark(session="PM", code="N")]).json
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)
    recoded = post(client, adviser, [mark(), mark(session="PM", code="I")]).json
    assert (recoded["inserted"], recoded["updated"], recoded["unchanged"]) == (0, 1, 1)
    marks = stored(app)
    assert [m.code for m in marks] == ["/", "I"]
    (change,) = stored(app, AttendanceMarkChange)
    assert (change.mark_id, change.old_code, change.new_code) == (marks[1].id, "N", "I")
    assert change.changed_by_id == adviser["id"]
    assert change.changed_at is not None


def test_the_same_session_twice_in_one_request(app, client):
    adviser = api_user(app, "adviser")
    body = post(client, adviser, [mark(code="N"), mark(code="M"), mark(code="M")]).json
    assert (body["inserted"], body["updated"], body["unchanged"]) == (1, 1, 1)
    assert [m.code for m in stored(app)] == ["M"]
    assert [(c.old_code, c.new_code) for c in stored(app, AttendanceMarkChange)] == [("N", "M")]


def test_dual_registration(app, client):
    adviser = api_user(app, "adviser")
    post(client, adviser, [mark(code="/"), mark(session="PM", code="D")])
    body = post(
        client,
        adviser,
        [
            mark(urn="100002", code="D"),  # the other school's D never replaces a real mark
            mark(urn="100002", session="PM", code="/"),  # a real mark replaces a stored D
            mark(urn="100002", code="N"),  # any other clash is refused
        ],
    ).json
    assert (body["inserted"], body["updated"], body["unchanged"]) == (0, 1, 1)
    assert [e["row"] for e in body["errors"]] == [2]
    assert "100001" in body["errors"][0]["message"]
    assert [(m.urn, m.code) for m in stored(app)] == [("100001", "/"), ("100002", "/")]


def test_school_users_send_marks_for_their_own_school_only(app, client):
    school = api_user(app, "school", school="100001")
    body = post(client, school, [mark(), mark(urn="100002", upn=UPN_2)]).json
    assert body["inserted"] == 1
    assert body["errors"] == [
        {"row": 1, "message": "you can only send marks for your own school, not URN 100002"}
    ]
    assert [m.urn for m in stored(app)] == ["100001"]


@pytest.mark.parametrize("role", ["manager", "process_owner"])
def test_other_roles_are_forbidden(app, client, role):
    user = api_user(app, role)
    assert_error(post(client, user, [mark()]), 403, "forbidden")
    assert stored(app) == []


def test_admin_may_send_marks_for_any_school(app, client):
    admin = api_user(app, "admin")
    body = post(client, admin, [mark(), mark(urn="100002", upn=UPN_2)]).json
    assert (body["inserted"], body["errors"]) == (2, [])


def test_credentials_are_required(app, client):
    assert_error(client.post(URL, json={"marks": [mark()]}), 401, "unauthorized")


@pytest.mark.parametrize("body", [None, [], {"marks": "x"}, {"rows": []}, {"marks": {"0": {}}}])
def test_the_envelope_must_be_an_object_with_a_list(app, client, body):
    adviser = api_user(app, "adviser")
    response = client.post(URL, json=body, headers=auth(adviser))
    error = assert_error(response, 422, "invalid")
    assert "marks" in error["message"]


def test_at_most_20000_marks_per_request(app, client):
    adviser = api_user(app, "adviser")
    too_many = [mark()] * (MAX_MARKS + 1)
    error = assert_error(post(client, adviser, too_many), 413, "too_many_marks")
    assert "20,000" in error["message"] and "20,001" in error["message"]
    assert stored(app) == []


def test_a_full_size_import(app, client):
    adviser = api_user(app, "adviser")
    marks = [
        mark(upn=make_upn(937, 2001, 16, serial), date=f"2026-11-{day:02d}", session=session)
        for serial in range(1, 501)
        for day in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20, 23, 24, 25, 26, 27)
        for session in ("AM", "PM")
    ]
    assert len(marks) == MAX_MARKS
    body = post(client, adviser, marks).json
    assert (body["inserted"], body["errors"]) == (MAX_MARKS, [])
    again = post(client, adviser, marks).json
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, MAX_MARKS)


def test_the_import_is_audited_without_pupil_identifiers(app, client):
    adviser = api_user(app, "adviser")
    post(client, adviser, [mark(), mark(date="2026-11-06", session="PM"), mark(code="?")])
    with app.extensions["db_sessions"]() as session:
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "attendance_imported")
        ).all()
    assert event.actor_id == adviser["id"]
    assert event.case_id is None
    assert event.detail == {
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "schools": ["100001"],
        "date_from": "2026-11-02",
        "date_to": "2026-11-06",
    }
    assert UPN not in event.summary and UPN not in str(event.detail)
