"""The school stage through the API: from the first-day call to a pre-filled notification.

The school runs its graduated approach (first-day contact, concern letter 1, four school weeks,
concern letter 2 with a meeting, the meeting, an action plan of at least six school weeks and
its review) on the ``school_stage`` model; when the review refers the pupil, the notification
comes pre-filled and triage sees the evidence as complete (decision table ``school_evidence``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from factories import auth
from factories_forms import PUPIL_UPN, SCHOOL_URN, valid_notification
from helpers import (
    complete,
    dmn_rows,
    find_task,
    get_case,
    letters,
    open_case,
    post_marks,
    run_timers_until,
    setup,
    task_data,
)

PARENTS = [
    {"full_name": "Dana Example", "relationship": "Mother"},
    {"full_name": "Sam Example", "relationship": "Father", "address": "2 Elm Row, Riverside"},
]
PUPIL = {
    "upn": PUPIL_UPN,
    "forenames": "Robin",
    "surname": "Example",
    "date_of_birth": "2015-03-14",
    "year_group": "Year 6",
    "address": "2 Elm Row, Riverside",
    "postcode": "RV1 2AB",
}
MEETING = {
    "held_on": "2026-12-01",
    "attendees": [
        {"name": "Dana Example", "role": "Mother"},
        {"name": "A. Lead", "role": "Attendance lead"},
    ],
    "parent_attended": True,
    "barriers": "Anxiety about the journey to school.",
    "child_voice": "Robin finds mornings hard.",
    "early_help": "offered",
}


def start(client: Any, user: dict[str, Any], **body: Any) -> Any:
    payload = {"pupil": PUPIL, "parents": PARENTS, **body}
    return client.post("/api/v1/school-stages", json=payload, headers=auth(user))


def run_to_plan_review(app: Any, client: Any, school: dict[str, Any]) -> int:
    """Start the stage and work it up to the plan review; returns the stage id."""
    response = start(client, school)
    assert response.status_code == 201, response.json
    stage_id = response.json["id"]
    assert response.json["reference"].startswith("SSP-")
    complete(
        client,
        school,
        stage_id,
        "first_contact",
        {"contact_date": "2026-11-24", "contact_method": "phone", "reason_given": "Unwell"},
    )
    run_timers_until(app, client, school, stage_id, "review_letter_1")
    complete(client, school, stage_id, "review_letter_1", {"letter_1_outcome": "not_improved"})
    complete(
        client,
        school,
        stage_id,
        "meeting_invitation",
        {"meeting_date": "2026-12-01", "meeting_time": "15:30", "meeting_place": "School office"},
    )
    complete(client, school, stage_id, "attendance_meeting", MEETING)
    earliest = task_data(app, stage_id, "action_plan")["plan_min_review"]["date"]
    plan = {
        "plan_barriers": "Anxiety about the journey.",
        "plan_child_voice": "Wants to walk with a friend.",
        "plan_actions": [
            {"action": "Meet Robin at the gate", "owner": "Form tutor", "due_date": "2026-12-07"}
        ],
        "target_pct": 95,
        "review_date": (date.fromisoformat(earliest) - timedelta(days=1)).isoformat(),
    }
    refused = complete(client, school, stage_id, "action_plan", plan, status=422)
    assert "six school weeks" in refused.json["message"]
    complete(client, school, stage_id, "action_plan", {**plan, "review_date": earliest})
    run_timers_until(app, client, school, stage_id, "plan_review")
    return stage_id


def test_school_stage_ends_in_a_prefilled_notification_that_triage_sees_as_complete(
    pathway_app, pathway_client
):
    client, world = pathway_client, setup(pathway_app)
    school = world.school
    post_marks(client, world.adviser, date(2026, 9, 7), date(2026, 11, 13))
    post_marks(client, world.adviser, date(2026, 11, 16), date(2026, 11, 24), code="O")
    stage_id = run_to_plan_review(pathway_app, client, school)
    not_yet = client.get(f"/api/v1/school-stages/{stage_id}/notification", headers=auth(school))
    assert not_yet.status_code == 409
    review = {"review_outcome": "refer", "review_notes": "No improvement during the plan."}
    complete(client, school, stage_id, "plan_review", review, status=422)  # parent not told yet
    complete(
        client,
        school,
        stage_id,
        "plan_review",
        {**review, "parent_informed_date": "2027-01-20", "parent_informed_method": "Letter"},
    )

    stage = client.get(f"/api/v1/school-stages/{stage_id}", headers=auth(school)).json
    assert (stage["status"], stage["outcome"], stage["step"]) == ("closed", "refer", "closed")
    record = get_case(client, school, stage_id)
    assert [len(letters(record, t)) for t in ("D1", "D2", "D3")] == [2, 2, 2]

    body = client.get(f"/api/v1/school-stages/{stage_id}/notification", headers=auth(school)).json
    assert body["pupil"]["upn"] == PUPIL_UPN and body["pupil"]["forenames"] == "Robin"
    assert [p["full_name"] for p in body["parents"]] == ["Dana Example", "Sam Example"]
    assert body["school"]["urn"] == SCHOOL_URN
    assert body["attendance"]["period_from"] == "2026-09-07"
    assert body["attendance"]["possible_sessions"] == 2 * (50 + 7)
    steps = [a["action"] for a in body["school_actions"]]
    for step in (
        "First-day call",
        "Concern letter 1",
        "Concern letter 2",
        "Attendance meeting",
        "Attendance action plan agreed",
        "Action plan reviewed",
    ):
        assert step in steps
    assert all(date.fromisoformat(a["date"]) for a in body["school_actions"])
    assert body["parent_informed"] == {"date": "2027-01-20", "method": "Letter"}
    assert body["barriers"] == "Anxiety about the journey."

    fixed = valid_notification()
    notification = {**body, "referrer": fixed["referrer"], "declarations": fixed["declarations"]}
    case_id = open_case(client, school, notification)
    triage = find_task(client, world.adviser, case_id, "triage_review")
    assert triage["data"]["missing_evidence"] == []
    assert dmn_rows(get_case(client, world.adviser, case_id), "check_school_evidence") == [[]]


def test_triage_lists_the_school_stage_evidence_that_is_missing(pathway_app, pathway_client):
    client, world = pathway_client, setup(pathway_app)
    body = valid_notification()
    body["school_actions"] = [{"date": "2026-10-01", "action": "Concern letter 1"}]
    case_id = open_case(client, world.school, body)
    triage = find_task(client, world.adviser, case_id, "triage_review")
    assert triage["data"]["missing_evidence"] == ["letters", "meeting", "action_plan"]
    assert dmn_rows(get_case(client, world.adviser, case_id), "check_school_evidence") == [
        [1, 2, 3]
    ]


def test_improved_after_letter_1_closes_without_a_notification(pathway_app, pathway_client):
    client, world = pathway_client, setup(pathway_app)
    stage_id = start(client, world.school).json["id"]
    complete(
        client,
        world.school,
        stage_id,
        "first_contact",
        {"contact_date": "2026-11-24", "contact_method": "text"},
    )
    run_timers_until(pathway_app, client, world.school, stage_id, "review_letter_1")
    complete(client, world.school, stage_id, "review_letter_1", {"letter_1_outcome": "improved"})
    stage = client.get(f"/api/v1/school-stages/{stage_id}", headers=auth(world.school)).json
    assert (stage["status"], stage["outcome"], stage["closure_reason"]) == (
        "closed",
        "improved",
        "improved_at_school",
    )
    prefill = client.get(
        f"/api/v1/school-stages/{stage_id}/notification", headers=auth(world.school)
    )
    assert prefill.status_code == 409


def test_school_stage_access_and_bad_input(pathway_app, pathway_client):
    client, world = pathway_client, setup(pathway_app)
    stage_id = start(client, world.school).json["id"]
    assert start(client, world.school).status_code == 409  # one open stage per pupil
    other = client.get(f"/api/v1/school-stages/{stage_id}", headers=auth(world.other_school))
    assert other.status_code == 404
    assert client.get("/api/v1/school-stages", headers=auth(world.other_school)).json["items"] == []
    mine = client.get("/api/v1/school-stages", headers=auth(world.school)).json["items"]
    assert [s["id"] for s in mine] == [stage_id]
    bad = start(client, world.school, pupil={**PUPIL, "upn": "A12345678901X"})
    assert bad.status_code == 422 and "pupil.upn" in bad.json["errors"]
    assert start(client, world.manager).status_code == 403
    adviser_start = start(client, world.adviser, pupil={**PUPIL, "upn": PUPIL_UPN[:-1] + "0"})
    assert adviser_start.status_code in (201, 422)
    no_school = start(client, world.adviser)
    assert no_school.status_code == 422 and "school_urn" in no_school.json["errors"]
    # Statutory case lists never show a school stage.
    cases = client.get("/api/v1/cases", headers=auth(world.school)).json["items"]
    assert stage_id not in [c["id"] for c in cases]


@pytest.mark.parametrize("element", ["first_contact"])
def test_school_stage_tasks_are_in_the_schools_inbox_only(pathway_app, pathway_client, element):
    client, world = pathway_client, setup(pathway_app)
    stage_id = start(client, world.school).json["id"]
    mine = client.get(f"/api/v1/tasks?case={stage_id}", headers=auth(world.school)).json["items"]
    assert [t["element_id"] for t in mine] == [element]
    theirs = client.get(f"/api/v1/tasks?case={stage_id}", headers=auth(world.other_school)).json
    assert theirs["items"] == []
