"""A termly targeting support meeting for one school, through the API, on both databases.

Opening the term gives every school one meeting (idempotent); the school's link adviser gets the
meeting task with the watch list built from the register (the band from the deployed DMN: 90.0%
in, 90.1% out, 50.0% severe) and the school's open cases; the agreed actions become tasks for
their owners; coverage counts the meeting as held and lists schools overdue after mid-term.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from factories import auth
from factories_forms import PUPIL_UPN
from helpers import (
    complete,
    find_task,
    notification,
    open_case,
    open_tasks,
    setup,
    task_data,
)

from app.core.web import reading
from app.forms import make_upn
from app.targeting import term_coverage

A, B = "100001", "100002"
P90, P50, P901 = (make_upn(937, 2001, 23, n) for n in (1, 2, 3))
TERM = "autumn-2026"
AFTER_MID_TERM = date(2026, 11, 25)


def _school_days(count: int, end: date) -> list[date]:
    days, day = [], end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    assert days[-1] >= date(2026, 9, 1)
    return sorted(days)


def post_codes(client: Any, user: dict[str, Any], upn: str, codes: list[str]) -> None:
    days = _school_days(-(-len(codes) // 2), date(2026, 11, 24))
    marks = [
        {
            "urn": A,
            "upn": upn,
            "date": days[i // 2].isoformat(),
            "session": ("AM", "PM")[i % 2],
            "code": code,
        }
        for i, code in enumerate(codes)
    ]
    response = client.post("/api/v1/attendance", json={"marks": marks}, headers=auth(user))
    assert response.status_code == 200 and not response.json["errors"], response.json


def meeting_id(client: Any, user: dict[str, Any], urn: str) -> int:
    rows = client.get(f"/api/v1/tsm?term={TERM}", headers=auth(user)).json["items"]
    return next(r["meeting_id"] for r in rows if r["urn"] == urn)


def test_a_tsm_cycle_for_one_school(pathway_app, pathway_client):
    app, client = pathway_app, pathway_client
    world = setup(app)
    linked = client.put(
        f"/api/v1/schools/{A}/link-adviser",
        json={"adviser_id": world.adviser["id"]},
        headers=auth(world.manager),
    )
    assert linked.status_code == 200, linked.json
    post_codes(client, world.adviser, P90, ["/"] * 90 + ["O"] * 10)
    post_codes(client, world.adviser, P50, ["/"] * 10 + ["N"] * 10)
    post_codes(client, world.adviser, P901, ["/"] * 91 + ["I"] * 10)
    case_id = open_case(client, world.school, notification())

    opened = client.post(f"/api/v1/tsm/terms/{TERM}/open", headers=auth(world.manager))
    assert opened.status_code == 201 and len(opened.json["opened"]) == 2
    again = client.post(f"/api/v1/tsm/terms/{TERM}/open", headers=auth(world.manager))
    assert again.status_code == 200 and again.json["opened"] == []
    refused = client.post(f"/api/v1/tsm/terms/{TERM}/open", headers=auth(world.adviser))
    assert refused.status_code == 403
    with app.app_context(), reading():
        before = term_coverage(TERM, today=AFTER_MID_TERM)
    assert (before["schools"], before["held"], before["open"]) == (2, 0, 2)
    assert sorted(o["urn"] for o in before["overdue"]) == [A, B]

    meeting = meeting_id(client, world.manager, A)
    task = find_task(client, world.adviser, meeting, "hold_meeting")
    assert task["assignee"]["id"] == world.adviser["id"]  # the school's link adviser
    shown = task["data"]["watch_list_text"]  # what the adviser reads on the task page
    assert shown.index(P50) < shown.index(P90) and "(severe)" in shown and P901 not in shown
    assert task["data"]["open_cases_text"].startswith("ATT-")
    watch = task_data(app, meeting, "hold_meeting")["watch"]
    assert [p["upn"] for p in watch["persistent"]] == [P50, P90]  # lowest attendance first
    assert [p["upn"] for p in watch["severe"]] == [P50]
    assert P901 not in str(watch)
    assert [c["upn"] for c in watch["open_cases"]] == [PUPIL_UPN]
    assert watch["open_cases"][0]["reference"].startswith("ATT-")
    assert all(
        p["trend"] in ("improving", "worsening", "steady", "unknown") for p in watch["persistent"]
    )

    record = {
        "held_on": "2026-11-25",
        "attendees": [
            {"name": "A. Adviser", "role": "Link adviser"},
            {"name": "H. Lead", "role": "Attendance lead"},
        ],
        "pupils_discussed": [{"upn": P50, "notes": "Severe absence", "next_step": "Panel"}],
        "agreed_actions": [
            {
                "action": "Refer to the vulnerable pupils panel",
                "owner_role": "service",
                "owner": "A. Adviser",
                "due_date": "2026-12-04",
            },
            {
                "action": "Home visit",
                "owner_role": "school",
                "owner": "H. Lead",
                "due_date": "2026-12-02",
            },
        ],
    }
    complete(client, world.adviser, meeting, "hold_meeting", record)
    school_tasks = [t["element_id"] for t in open_tasks(client, world.school, meeting)]
    assert school_tasks == ["school_action"]
    adviser_tasks = sorted(t["element_id"] for t in open_tasks(client, world.adviser, meeting))
    assert adviser_tasks == ["school_action", "service_action"]  # advisers see every task
    action = find_task(client, world.school, meeting, "school_action")
    assert "Home visit" in action["data"]["school_action_text"]
    complete(
        client,
        world.adviser,
        meeting,
        "service_action",
        {"service_action_status": "not_done", "service_action_note": "Panel meets in January"},
    )
    complete(client, world.school, meeting, "school_action", {"school_action_status": "done"})
    status = client.get(f"/api/v1/cases/{meeting}", headers=auth(world.manager)).json
    assert status["status"] == "closed"

    with app.app_context(), reading():
        after = term_coverage(TERM, today=AFTER_MID_TERM)
        early = term_coverage(TERM, today=date(2026, 10, 1))
    assert (after["held"], after["open"], [o["urn"] for o in after["overdue"]]) == (1, 1, [B])
    assert early["overdue"] == []
    cases = client.get("/api/v1/cases", headers=auth(world.manager)).json["items"]
    assert [c["id"] for c in cases] == [case_id]  # meetings are not cases


def test_link_adviser_and_terms_are_checked(pathway_app, pathway_client):
    client, world = pathway_client, setup(pathway_app)
    bad = client.put(
        f"/api/v1/schools/{A}/link-adviser",
        json={"adviser_id": world.school["id"]},
        headers=auth(world.manager),
    )
    assert bad.status_code == 422
    assert (
        client.put(
            "/api/v1/schools/999999/link-adviser",
            json={"adviser_id": None},
            headers=auth(world.manager),
        ).status_code
        == 404
    )
    assert (
        client.post("/api/v1/tsm/terms/winter-2026/open", headers=auth(world.manager)).status_code
        == 422
    )
    school_view = client.get(f"/api/v1/tsm?term={TERM}", headers=auth(world.school)).json["items"]
    assert [r["urn"] for r in school_view] == [A]
