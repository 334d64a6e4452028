"""Cross-cutting events on the real pathway: pupil leaves roll, case withdrawn, safeguarding
raised, end of compulsory school age.  They are boundary events on the pathway sub-process, so
they reach a case wherever it waits, including inside a stage's call activity."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from helpers import (
    accept_triage,
    complete,
    find_task,
    get_case,
    next_timer_at,
    notification,
    open_case,
    open_tasks,
    run_timers_until,
    send_message,
    setup,
    timeline,
)

from app.cases import run_due_timers


def test_pupil_leaves_roll_mid_monitoring(pathway_app: Any) -> None:
    client = pathway_app.test_client()
    world = setup(pathway_app)
    case_id = open_case(client, world.school, notification())
    case = get_case(client, world.adviser, case_id)
    assert case["stage"] == "triage"
    assert set(_waiting(pathway_app, case_id)) == {
        "pupil_left_roll",
        "case_withdrawn",
        "safeguarding_raised",
    }
    accept_triage(client, world.adviser, case_id)
    # one checkpoint has run: the case waits inside the monitoring call activity
    first_due = next_timer_at(pathway_app, case_id)
    with pathway_app.app_context():
        run_due_timers(
            first_due.replace(tzinfo=UTC) + timedelta(seconds=1),
            pathway_app.extensions["db_sessions"],
        )
    assert get_case(client, world.adviser, case_id)["stage"] == "monitoring"

    response = send_message(
        client,
        world.adviser,
        case_id,
        "pupil_left_roll",
        {"date": "2026-01-30", "destination": "Moved out of the county"},
    )
    assert response.status_code == 200, response.json
    # the monitoring timers are gone; the adviser closes the case
    assert [t["element_id"] for t in open_tasks(client, world.adviser, case_id)] == [
        "closure_summary"
    ]
    assert next_timer_at(pathway_app, case_id) is None
    closure = find_task(client, world.adviser, case_id, "closure_summary")
    assert closure["data"]["closure_reason"] == "left_roll"
    complete(client, world.adviser, case_id, "closure_summary", {"closure_reason": "left_roll"})
    case = get_case(client, world.adviser, case_id)
    assert (case["status"], case["stage"], case["closure_reason"]) == (
        "closed",
        "closed",
        "left_roll",
    )
    received = timeline(case, "message_received")
    assert received[0]["detail"]["name"] == "pupil_left_roll"
    # a closed case accepts no more events
    assert send_message(client, world.adviser, case_id, "case_withdrawn").status_code == 409


def _waiting(app: Any, case_id: int) -> list[str]:
    from app.cases import Case
    from app.core.web import transaction

    with app.app_context(), transaction() as session:
        return list(session.get(Case, case_id).waiting_messages or [])


def test_case_withdrawn_while_the_school_holds_the_notification(pathway_app: Any) -> None:
    client = pathway_app.test_client()
    world = setup(pathway_app)
    case_id = open_case(client, world.school, notification())
    complete(
        client,
        world.adviser,
        case_id,
        "triage_review",
        {
            "outcome": "return_to_school",
            "override_reason": "The school should review its action plan.",
            "reasons": "Review the plan.",
        },
    )
    assert [t["element_id"] for t in open_tasks(client, world.school, case_id)] == [
        "school_response"
    ]
    response = send_message(client, world.adviser, case_id, "case_withdrawn", {"by": "school"})
    assert response.status_code == 200, response.json
    assert open_tasks(client, world.school, case_id) == []
    complete(
        client, world.adviser, case_id, "closure_summary", {"closure_reason": "withdrawn_by_school"}
    )
    case = get_case(client, world.adviser, case_id)
    assert (case["status"], case["closure_reason"]) == ("closed", "withdrawn_by_school")
    cancelled = timeline(case, "task_cancelled")
    assert [e["detail"]["element_id"] for e in cancelled] == ["school_response"]


def test_safeguarding_raised_opens_a_manager_task_and_the_case_stays_in_monitoring(
    pathway_app: Any,
) -> None:
    client = pathway_app.test_client()
    world = setup(pathway_app)
    case_id = open_case(client, world.school, notification())
    accept_triage(client, world.adviser, case_id)
    due_before = next_timer_at(pathway_app, case_id)
    response = send_message(
        client,
        world.adviser,
        case_id,
        "safeguarding_raised",
        {"summary": "Pupil disclosed a concern at school.", "raised_by": "School DSL"},
    )
    assert response.status_code == 200, response.json
    case = get_case(client, world.adviser, case_id)
    assert (case["status"], case["stage"]) == ("open", "monitoring")
    assert next_timer_at(pathway_app, case_id) == due_before  # monitoring carries on
    task = find_task(client, world.manager, case_id, "review_safeguarding")
    assert (task["role"], task["lane"], task["form"]["name"]) == (
        "manager",
        "Manager",
        "safeguarding",
    )
    assert task["data"]["concern"] == "Pupil disclosed a concern at school."
    assert task["due_at"] is not None
    # the adviser does not get the manager's task; the school never sees it
    assert open_tasks(client, world.school, case_id) == []
    complete(
        client,
        world.manager,
        case_id,
        "review_safeguarding",
        {"referral_made": True, "referred_to": "mash", "referral_date": "2026-01-20"},
    )
    assert open_tasks(client, world.manager, case_id) == []
    # monitoring still runs to the midway review
    run_timers_until(pathway_app, client, world.adviser, case_id, "midway_review")
    assert get_case(client, world.adviser, case_id)["stage"] == "monitoring"


def _year_11_birthday(today: date) -> tuple[str, datetime]:
    """A date of birth in Year 11 this school year, and the end of compulsory school age."""
    year_start = today.year if today.month >= 9 else today.year - 1
    born = date(year_start - 15, 3, 1)  # turns 16 in March of this school year
    june_30 = date(year_start + 1, 6, 30)
    last_friday = june_30 - timedelta(days=(june_30.weekday() - 4) % 7)
    return born.isoformat(), datetime(
        last_friday.year, last_friday.month, last_friday.day, 16, tzinfo=UTC
    )


def test_end_of_compulsory_school_age_closes_the_case(pathway_app: Any) -> None:
    client = pathway_app.test_client()
    world = setup(pathway_app)
    born, ends = _year_11_birthday(datetime.now(UTC).date())
    body = notification(pupil={"date_of_birth": born, "year_group": "Year 11"})
    case_id = open_case(client, world.school, body)
    assert next_timer_at(pathway_app, case_id).replace(tzinfo=UTC) == ends
    assert ends.weekday() == 4 and ends.month == 6
    with pathway_app.app_context():
        before = run_due_timers(ends - timedelta(minutes=1), pathway_app.extensions["db_sessions"])
        after = run_due_timers(ends + timedelta(minutes=1), pathway_app.extensions["db_sessions"])
    assert before == []
    assert after[0]["fired"] == ["compulsory_age_ended"]
    assert [t["element_id"] for t in open_tasks(client, world.adviser, case_id)] == [
        "closure_summary"
    ]
    complete(client, world.adviser, case_id, "closure_summary", {"closure_reason": "aged_out"})
    case = get_case(client, world.adviser, case_id)
    assert (case["status"], case["closure_reason"]) == ("closed", "aged_out")
