"""Triage (S2) and ten-week monitoring (S3) through the API, on the real pathway and both DBs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from factories_forms import SCHOOL_URN
from helpers import (
    accept_triage,
    complete,
    dmn_rows,
    find_task,
    get_case,
    letters,
    notification,
    open_case,
    open_tasks,
    post_marks,
    run_timers_until,
    setup,
    timeline,
    with_attendance,
)


def test_improved_at_week_10_closes_the_case_with_letters(pathway_app: Any) -> None:
    client = pathway_app.test_client()
    world = setup(pathway_app)
    case_id = open_case(client, world.school, notification())
    case = get_case(client, world.adviser, case_id)
    assert case["stage"] == "triage"
    # T1 suggested acceptance (declared 80% attendance: persistent absence, evidence complete)
    triage = find_task(client, world.adviser, case_id, "triage_review")
    assert "Triage" in triage["title"] and triage["role"] == "adviser"
    assert triage["form"]["name"] == "triage"
    assert triage["data"]["suggested_outcome"] == "accept_monitoring"
    assert triage["data"]["outcome"] == "accept_monitoring"  # pre-filled with the suggestion
    assert triage["data"]["band"] == "persistent"
    assert triage["due_at"] is not None
    case = get_case(client, world.adviser, case_id)
    assert dmn_rows(case, "classify_band") == [[2]]
    assert dmn_rows(case, "suggest_triage_outcome") == [[6]]

    accept_triage(client, world.adviser, case_id)
    case = get_case(client, world.adviser, case_id)
    assert case["stage"] == "monitoring"
    # the monitoring letter (D4) went to each parent
    assert [d["recipient"] for d in letters(case, "D4")] == ["Sam Testparent"]
    assert case["next_timer_at"] is not None
    assert not open_tasks(client, world.adviser, case_id)

    # the school sends full attendance for the whole monitoring period
    start = date.fromisoformat(case["opened_at"][:10])
    plan = _monitoring_dates(pathway_app, start)
    assert plan["midway"] > start
    post_marks(client, world.school, start, plan["final"], "/")

    fired = run_timers_until(pathway_app, client, world.adviser, case_id, "midway_review")
    assert fired.count("early_cp_due") == 2  # checkpoints at school weeks 2 and 4
    assert fired[-1] == "midway_due_timer"
    midway = find_task(client, world.adviser, case_id, "midway_review")
    assert midway["form"]["name"] == "monitoring_review"
    assert midway["data"]["review_stage"] == "midway"
    assert midway["data"]["period_attendance_pct"] == 100.0
    assert midway["data"]["suggested_outcome"] == "close_early_improved"
    # the adviser keeps monitoring to week 10 (an override, so a reason is required)
    response = complete(
        client, world.adviser, case_id, "midway_review", {"outcome": "continue"}, status=422
    )
    assert "override reason" in response.json["message"]
    complete(
        client,
        world.adviser,
        case_id,
        "midway_review",
        {"outcome": "continue", "override_reason": "Only five weeks of good attendance."},
    )
    fired = run_timers_until(pathway_app, client, world.adviser, case_id, "final_review")
    assert fired == ["late_cp_due", "late_cp_due", "final_due_timer"]
    final = find_task(client, world.adviser, case_id, "final_review")
    assert final["data"]["suggested_outcome"] == "improved"
    complete(client, world.adviser, case_id, "final_review", {"outcome": "improved"})

    closure = find_task(client, world.adviser, case_id, "closure_summary")
    assert closure["form"]["name"] == "closure"
    assert closure["data"]["closure_reason"] == "improved"
    complete(client, world.adviser, case_id, "closure_summary", {"closure_reason": "improved"})

    case = get_case(client, world.adviser, case_id)
    assert (case["status"], case["stage"], case["closure_reason"]) == (
        "closed",
        "closed",
        "improved",
    )
    assert {d["recipient"] for d in letters(case, "D13")} == {
        "Sam Testparent",
        "Riverside Primary School",
    }
    stages = [e["detail"]["to"] for e in timeline(case, "stage_changed")]
    assert stages == ["monitoring", "closed"]
    assert dmn_rows(case, "suggest_midway_outcome") == [[3]]
    assert dmn_rows(case, "suggest_monitoring_outcome") == [[2]]
    operators = [e["detail"]["operator"] for e in timeline(case, "service_task_run")]
    assert operators.count("letters.generate") == 2
    assert operators.count("attendance.figures") >= 8  # triage, 4 checkpoints, reviews, closure


def _monitoring_dates(app: Any, start: date) -> dict[str, date]:
    """The school-calendar dates the monitoring stage computes from ``start``."""
    from app.attendance.services import add_school_weeks
    from app.core.web import transaction

    with app.app_context(), transaction():
        return {
            name: add_school_weeks(urn=SCHOOL_URN, start=start, weeks=weeks)[0]
            for name, weeks in (("midway", 5), ("final", 10))
        }


def test_not_improved_goes_to_the_contract_stage(pathway_app: Any) -> None:
    client = pathway_app.test_client()
    world = setup(pathway_app)
    case_id = open_case(client, world.school, notification())
    accept_triage(client, world.adviser, case_id)
    run_timers_until(pathway_app, client, world.adviser, case_id, "midway_review")
    midway = find_task(client, world.adviser, case_id, "midway_review")
    # no register marks were sent: the table suggests continuing (row 1)
    assert midway["data"]["suggested_outcome"] == "continue"
    complete(client, world.adviser, case_id, "midway_review", {"outcome": "continue"})
    run_timers_until(pathway_app, client, world.adviser, case_id, "final_review")
    final = find_task(client, world.adviser, case_id, "final_review")
    assert final["data"]["suggested_outcome"] == "to_contract"
    complete(client, world.adviser, case_id, "final_review", {"outcome": "to_contract"})
    case = get_case(client, world.adviser, case_id)
    stages = [e["detail"]["to"] for e in timeline(case, "stage_changed")]
    assert stages[:2] == ["monitoring", "contract"]


def test_return_to_school_resubmit_then_accept(pathway_app: Any) -> None:
    client = pathway_app.test_client()
    world = setup(pathway_app)
    body = notification()
    body["school_actions"] = [
        a for a in body["school_actions"] if a["action"] != "Concern letter 2"
    ]
    case_id = open_case(client, world.school, body)
    triage = find_task(client, world.adviser, case_id, "triage_review")
    assert triage["data"]["suggested_outcome"] == "return_to_school"
    assert triage["data"]["missing_evidence"] == ["letters"]
    complete(
        client,
        world.adviser,
        case_id,
        "triage_review",
        {
            "outcome": "return_to_school",
            "reasons": "Only one concern letter was sent.",
            "missing_evidence": ["letters"],
            "advice_to_school": "Send concern letter 2 and wait four school weeks.",
        },
    )
    case = get_case(client, world.adviser, case_id)
    assert case["stage"] == "school_action"
    # the task is on the school's own inbox, not the adviser's, and not another school's
    assert [t["element_id"] for t in open_tasks(client, world.school, case_id)] == [
        "school_response"
    ]
    assert open_tasks(client, world.other_school, case_id) == []
    response = find_task(client, world.school, case_id, "school_response")
    assert response["role"] == "school" and response["form"]["name"] == "school_response"
    assert response["data"]["advice_to_school"].startswith("Send concern letter 2")
    assert response["data"]["missing_evidence"] == ["letters"]
    complete(
        client,
        world.school,
        case_id,
        "school_response",
        {"response": "resubmit", "evidence_added": ["letters"], "comments": "Letter 2 sent."},
    )
    case = get_case(client, world.adviser, case_id)
    assert case["stage"] == "triage"
    again = find_task(client, world.adviser, case_id, "triage_review")
    assert again["data"]["suggested_outcome"] == "accept_monitoring"
    assert again["data"]["missing_evidence"] == []
    accept_triage(client, world.adviser, case_id)
    case = get_case(client, world.adviser, case_id)
    assert case["stage"] == "monitoring"
    stages = [e["detail"]["to"] for e in timeline(case, "stage_changed")]
    assert stages == ["school_action", "triage", "monitoring"]
    assert dmn_rows(case, "suggest_triage_outcome") == [[3], [6]]


def test_school_withdraws_a_returned_notification(pathway_app: Any) -> None:
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
            "override_reason": "The school has not tried an action plan review.",
            "reasons": "Review the action plan first.",
        },
    )
    complete(client, world.school, case_id, "school_response", {"response": "withdraw"})
    complete(
        client, world.adviser, case_id, "closure_summary", {"closure_reason": "withdrawn_by_school"}
    )
    case = get_case(client, world.adviser, case_id)
    assert (case["status"], case["closure_reason"]) == ("closed", "withdrawn_by_school")


def test_resubmissions_are_bounded(pathway_app: Any) -> None:
    client = pathway_app.test_client()
    world = setup(pathway_app)
    case_id = open_case(client, world.school, notification())
    returned = {
        "outcome": "return_to_school",
        "override_reason": "Not enough school support yet.",
        "reasons": "More school support first.",
    }
    for _round in range(3):  # the school may resubmit three times
        complete(client, world.adviser, case_id, "triage_review", returned)
        complete(client, world.school, case_id, "school_response", {"response": "resubmit"})
    complete(client, world.adviser, case_id, "triage_review", returned)
    # the fourth return offers no resubmission: the case closes
    assert open_tasks(client, world.school, case_id) == []
    closure = find_task(client, world.adviser, case_id, "closure_summary")
    assert closure["data"]["closure_reason"] == "returned_to_school_stage"
    complete(
        client,
        world.adviser,
        case_id,
        "closure_summary",
        {"closure_reason": "returned_to_school_stage"},
    )
    case = get_case(client, world.adviser, case_id)
    assert (case["status"], case["closure_reason"]) == ("closed", "returned_to_school_stage")


def test_overriding_the_triage_suggestion_needs_a_reason(pathway_app: Any) -> None:
    client = pathway_app.test_client()
    world = setup(pathway_app)
    case_id = open_case(client, world.school, notification())
    response = complete(
        client,
        world.adviser,
        case_id,
        "triage_review",
        {"outcome": "accept_direct_to_contract", "reasons": "Parents refuse support."},
        status=422,
    )
    assert "override reason" in response.json["message"]
    assert find_task(client, world.adviser, case_id, "triage_review")["status"] == "open"
    complete(
        client,
        world.adviser,
        case_id,
        "triage_review",
        {
            "outcome": "accept_direct_to_contract",
            "reasons": "Parents refuse support.",
            "override_reason": "Parents refused every offer of support.",
        },
    )
    case = get_case(client, world.adviser, case_id)
    assert case["stage"] == "contract"
    completed = list(timeline(case, "task_completed"))
    assert completed[-1]["detail"]["data"]["override_reason"].startswith("Parents refused")


@pytest.mark.parametrize(
    ("overrides", "suggested", "closure"),
    [
        ({"flags": {"safeguarding_concern": True}}, "redirect_safeguarding", None),
        # a four-year-old is not yet of compulsory school age
        (
            {
                "pupil": {
                    "date_of_birth": f"{date.today().year - 4}-01-10",
                    "year_group": "Reception",
                }
            },
            "reject_incomplete",
            "duplicate_error",
        ),
    ],
)
def test_triage_redirects(
    pathway_app: Any, overrides: dict, suggested: str, closure: str | None
) -> None:
    client = pathway_app.test_client()
    world = setup(pathway_app)
    case_id = open_case(client, world.school, notification(**overrides))
    triage = find_task(client, world.adviser, case_id, "triage_review")
    assert triage["data"]["suggested_outcome"] == suggested
    complete(
        client, world.adviser, case_id, "triage_review", {"outcome": suggested, "reasons": "x"}
    )
    if suggested == "redirect_safeguarding":
        task = find_task(client, world.manager, case_id, "confirm_safeguarding_referral")
        assert task["role"] == "manager" and task["form"]["name"] == "safeguarding"
        complete(
            client,
            world.manager,
            case_id,
            "confirm_safeguarding_referral",
            {"referral_made": True, "referred_to": "mash"},
        )
        closure = "referred_other_service"
    closing = find_task(client, world.adviser, case_id, "closure_summary")
    assert closing["data"]["closure_reason"] == closure
    complete(client, world.adviser, case_id, "closure_summary", {"closure_reason": closure})
    case = get_case(client, world.adviser, case_id)
    assert (case["status"], case["closure_reason"]) == ("closed", closure)


def test_a_term_time_holiday_redirect_goes_to_enforcement(pathway_app: Any) -> None:
    client = pathway_app.test_client()
    world = setup(pathway_app)
    body = notification(**with_attendance(120, 110, 10))
    case_id = open_case(client, world.school, body)
    triage = find_task(client, world.adviser, case_id, "triage_review")
    # declared figures only (no marks): 91.7% with 10 unauthorised sessions -> row 7
    assert triage["data"]["band"] == "universal"
    assert triage["data"]["suggested_outcome"] == "accept_monitoring"
    complete(
        client,
        world.adviser,
        case_id,
        "triage_review",
        {
            "outcome": "redirect_pn_holiday",
            "reasons": "Term-time holiday.",
            "override_reason": "The school confirms the absence was a holiday.",
        },
    )
    case = get_case(client, world.adviser, case_id)
    assert case["stage"] == "enforcement"
