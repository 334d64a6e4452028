"""The adviser inbox: tabs with counts, filters, sorting, pagination, claim / release / assign."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from factories import deploy_default
from factories_api import api_user, case_task, csrf_from, db_row, db_update, open_case
from formpost import signed_in, text
from sqlalchemy import select

from app.audit import AuditEvent
from app.cases import Task

NOW = datetime.now(UTC)


@pytest.fixture
def world(app: Any, client: Any) -> dict[str, Any]:
    """Three triage tasks: two at Riverside (100001), one at Hillcrest (100002), due 1/2/3 weeks."""
    deploy_default(app)
    notifier = api_user(app, "adviser", email="notifier@example.test")
    cases = [
        open_case(client, notifier, pupil={"forenames": "Ada", "surname": "Early"}),
        open_case(client, notifier, pupil={"forenames": "Ben", "surname": "Middle"}),
        open_case(
            client, notifier, school={"urn": "100002"}, pupil={"forenames": "Cy", "surname": "Late"}
        ),
    ]
    tasks = [case_task(client, notifier, c["case_id"])["id"] for c in cases]
    for weeks, task_id in enumerate(tasks, start=1):
        db_update(app, Task, task_id, due_at=NOW + timedelta(weeks=weeks))
    return {"cases": cases, "tasks": tasks, "refs": [c["reference"] for c in cases]}


def listed(html: str) -> list[str]:
    """The case references of the inbox rows, in order."""
    table = html[html.index('id="inbox"') :] if 'id="inbox"' in html else ""
    return re.findall(r">(ATT-\d{4}-\d{6})</a>", table)


def counts(html: str) -> dict[str, int]:
    found = re.findall(r'id="tab-(\w+)".*?app-count">(\d+)<', html)
    return {tab: int(n) for tab, n in found}


def post(client: Any, path: str, **data: Any) -> Any:
    token = csrf_from(client.get("/inbox").data)
    return client.post(path, data={"csrf_token": token, **data})


def events(app: Any, kind: str) -> list[AuditEvent]:
    with app.extensions["db_sessions"]() as session:
        stmt = select(AuditEvent).where(AuditEvent.event_type == kind).order_by(AuditEvent.id)
        return list(session.scalars(stmt))


def test_tabs_have_counts_and_the_adviser_lands_on_the_right_one(app, world):
    adviser = signed_in(app, "adviser")
    home = text(adviser.get("/"))
    assert counts(home) == {"mine": 0, "unassigned": 3, "all": 3}
    assert listed(home) == world["refs"]  # nothing of mine yet: the unassigned queue
    claimed = post(adviser, f"/tasks/{world['tasks'][1]}/claim", next="/inbox")
    assert claimed.status_code == 302 and claimed.headers["Location"] == "/inbox"
    page = text(adviser.get("/inbox"))
    assert "You have claimed “Triage the notification” for Ben Middle" in page
    assert counts(page) == {"mine": 1, "unassigned": 2, "all": 3}
    assert listed(page) == [world["refs"][1]]  # now it opens on "My tasks"
    assert listed(text(adviser.get("/inbox?tab=unassigned"))) == [
        world["refs"][0],
        world["refs"][2],
    ]
    assert 'aria-current="page"' in text(adviser.get("/inbox?tab=all"))


def test_columns_show_case_pupil_school_task_stage_due_and_age(app, world):
    db_update(app, Task, world["tasks"][0], due_at=NOW - timedelta(days=2))
    page = text(signed_in(app, "adviser").get("/inbox?tab=all"))
    row = page[page.index(f'data-task-id="{world["tasks"][0]}"') :].split("</tr>")[0]
    assert world["refs"][0] in row and "Ada Early" in row and "Riverside Primary School" in row
    assert "Triage the notification" in row and "Triage" in row and "Today" in row
    assert "app-overdue" in row and "Overdue" in row
    other = page[page.index(f'data-task-id="{world["tasks"][1]}"') :].split("</tr>")[0]
    assert "Overdue" not in other


def test_filters_narrow_the_list_and_the_counts(app, world):
    adviser = signed_in(app, "adviser")
    by_school = text(adviser.get("/inbox?tab=all&school=100002"))
    assert listed(by_school) == [world["refs"][2]]
    assert counts(by_school) == {"mine": 0, "unassigned": 1, "all": 1}
    assert listed(text(adviser.get("/inbox?tab=all&task=triage"))) == world["refs"]
    assert listed(text(adviser.get("/inbox?tab=all&task=nothing"))) == []
    assert listed(text(adviser.get("/inbox?tab=all&stage=triage"))) == world["refs"]
    empty = text(adviser.get("/inbox?tab=all&stage=monitoring"))
    assert listed(empty) == [] and "There are no tasks here with these filters" in empty
    db_update(app, Task, world["tasks"][2], due_at=NOW - timedelta(hours=1))
    overdue = text(adviser.get("/inbox?tab=all&overdue=1"))
    assert listed(overdue) == [world["refs"][2]] and counts(overdue)["all"] == 1
    assert 'value="100002" selected' in by_school  # the filter form keeps the choice


def test_sorting_by_due_date_both_ways(app, world):
    adviser = signed_in(app, "adviser")
    assert listed(text(adviser.get("/inbox?tab=all"))) == world["refs"]
    latest_first = text(adviser.get("/inbox?tab=all&sort=-due"))
    assert listed(latest_first) == list(reversed(world["refs"]))
    assert 'aria-sort="descending"' in latest_first


def test_pagination(app, world):
    app.config["INBOX_PAGE_SIZE"] = 2
    adviser = signed_in(app, "adviser")
    first = text(adviser.get("/inbox?tab=all&school="))
    assert listed(first) == world["refs"][:2]
    assert 'rel="next"' in first and "page=2" in first
    second = text(adviser.get("/inbox?tab=all&page=2"))
    assert listed(second) == world["refs"][2:] and 'rel="prev"' in second
    assert counts(second)["all"] == 3


def test_claim_and_release_are_audited(app, world):
    adviser = signed_in(app, "adviser")
    task_id = world["tasks"][0]
    post(adviser, f"/tasks/{task_id}/claim")
    assert db_row(app, Task, task_id).assignee_id == adviser.user["id"]
    released = post(adviser, f"/tasks/{task_id}/unclaim")
    assert released.status_code == 302
    assert "is back in the queue" in text(adviser.get("/inbox"))
    assert db_row(app, Task, task_id).assignee_id is None
    assert [e.detail["task_id"] for e in events(app, "task_claimed")] == [task_id]
    (unclaimed,) = events(app, "task_unclaimed")
    assert unclaimed.detail["previous_assignee"] == adviser.user["id"]


def test_a_task_taken_meanwhile_gives_a_clear_message_not_an_error(app, world):
    first = signed_in(app, "adviser", email="first@example.test")
    second = signed_in(app, "adviser", email="second@example.test")
    stale = text(second.get("/inbox?tab=unassigned"))
    post(first, f"/tasks/{world['tasks'][0]}/claim")
    token = csrf_from(stale)
    late = second.post(f"/tasks/{world['tasks'][0]}/claim", data={"csrf_token": token})
    assert late.status_code == 302
    page = text(second.get("/inbox"))
    assert "This task is already assigned to Adviser. Nothing was changed." in page
    assert "Traceback" not in page
    release = post(second, f"/tasks/{world['tasks'][0]}/unclaim")
    assert release.status_code == 403 and "You do not have access" in text(release)
    assert db_row(app, Task, world["tasks"][0]).assignee_id == first.user["id"]


def test_managers_read_the_inbox_and_assign_to_colleagues(app, world):
    adviser = signed_in(app, "adviser", email="colleague@example.test")
    manager = signed_in(app, "manager")
    page = text(manager.get("/"))
    assert counts(page)["all"] == 3 and listed(page) == world["refs"]
    assert ">Claim<" not in page and 'name="assignee"' in page
    assert f'<option value="{adviser.user["id"]}"' in page
    task_id = world["tasks"][2]
    assigned = post(manager, f"/tasks/{task_id}/assign", assignee=adviser.user["id"])
    assert assigned.status_code == 302
    assert "is now assigned to Adviser" in text(manager.get("/inbox"))
    assert db_row(app, Task, task_id).assignee_id == adviser.user["id"]
    (event,) = events(app, "task_assigned")
    assert event.detail["assignee"] == adviser.user["id"] and event.actor_id == manager.user["id"]
    assert listed(text(adviser.get("/inbox"))) == [world["refs"][2]]
    wrong = post(manager, f"/tasks/{task_id}/assign", assignee=manager.user["id"])
    assert "Choose a colleague who works on adviser tasks. Nothing was changed." in text(
        manager.get(wrong.headers["Location"])
    )
    taken_back = post(manager, f"/tasks/{task_id}/unclaim")
    assert taken_back.status_code == 302 and db_row(app, Task, task_id).assignee_id is None
    assert post(manager, f"/tasks/{task_id}/claim").status_code == 403
    assert post(adviser, f"/tasks/{task_id}/assign", assignee=adviser.user["id"]).status_code == 403


def test_process_owners_may_not_see_the_inbox_or_cases(app, world):
    owner = signed_in(app, "process_owner")
    for path in ("/inbox", "/cases"):
        response = owner.get(path)
        assert response.status_code == 403 and "You do not have access" in text(response)
    assert owner.get(f"/cases/{world['cases'][0]['case_id']}").status_code == 404
    assert owner.get(f"/tasks/{world['tasks'][0]}").status_code == 404
    home = text(owner.get("/"))
    assert "process model studio" in home and "ATT-" not in home


def test_the_cases_list_searches_by_reference_pupil_and_stage(app, world):
    adviser = signed_in(app, "adviser")
    page = text(adviser.get("/cases"))
    assert all(ref in page for ref in world["refs"])
    found = text(adviser.get("/cases?q=Middle"))
    assert world["refs"][1] in found and world["refs"][0] not in found
    assert "No cases match" in text(adviser.get("/cases?stage=legal"))
