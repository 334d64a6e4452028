"""Multi-agency panels: any stage can refer a case; the panel's decision routes it (panel_route).

A referral is the ``panel_referral`` message (payload: reason and details).  The panel builds a
summary from the case, is arranged for a date, records its decision, and the case goes back to
its stage, on to the next stage, or to closure with the panel's reason.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from helpers import (
    accept_triage,
    complete,
    find_task,
    get_case,
    notification,
    open_case,
    open_tasks,
    run_timers_until,
    send_message,
    setup,
    task_data,
    timeline,
    with_attendance,
)

PANEL_DAY = (date.today() + timedelta(days=7)).isoformat()
DECISION = {"agencies": "Education, social care, health", "decision_notes": "Agreed at panel."}


def in_monitoring(app: Any, client: Any, world: Any) -> int:
    """A severe-absence case (45%) accepted into monitoring."""
    case_id = open_case(client, world.school, notification(**with_attendance(100, 45)))
    accept_triage(client, world.adviser, case_id)
    assert get_case(client, world.adviser, case_id)["stage"] == "monitoring"
    return case_id


def refer_and_decide(app: Any, client: Any, world: Any, case_id: int, decision: str) -> None:
    referral = {"reason": "severe_absence", "details": "Attendance 45%; no engagement."}
    response = send_message(client, world.adviser, case_id, "panel_referral", referral)
    assert response.status_code == 200, response.json
    assert [t["element_id"] for t in open_tasks(client, world.adviser, case_id)] == [
        "arrange_panel"
    ]
    complete(
        client,
        world.adviser,
        case_id,
        "arrange_panel",
        {"panel_type": "vulnerable_pupils", "panel_date": PANEL_DAY},
    )
    run_timers_until(app, client, world.adviser, case_id, "record_decision")
    complete(client, world.adviser, case_id, "record_decision", {**DECISION, "decision": decision})


def test_a_panel_escalates_a_monitoring_case_to_a_contract(pathway_app, pathway_client):
    app, client, world = pathway_app, pathway_client, setup(pathway_app)
    case_id = in_monitoring(app, client, world)
    referral = {"reason": "severe_absence", "details": "Attendance 45%; no engagement."}
    send_message(client, world.adviser, case_id, "panel_referral", referral)
    summary = task_data(app, case_id, "arrange_panel")["panel_summary"]
    assert summary["stage"] == "monitoring" and summary["reason"] == "severe_absence"
    assert summary["attendance_pct"] == 45.0 and summary["case_reference"].startswith("ATT-")
    text = find_task(client, world.adviser, case_id, "arrange_panel")["data"]["summary_text"]
    assert "severe absence" in text and "45.0%" in text and "monitoring stage" in text
    complete(
        client,
        world.adviser,
        case_id,
        "arrange_panel",
        {"panel_type": "vulnerable_pupils", "panel_date": PANEL_DAY},
    )
    run_timers_until(app, client, world.adviser, case_id, "record_decision")
    complete(
        client, world.adviser, case_id, "record_decision", {**DECISION, "decision": "escalate"}
    )
    case = get_case(client, world.adviser, case_id)
    assert case["stage"] == "contract"  # the route changed: monitoring was cut short
    assert [e["detail"]["to"] for e in timeline(case, "stage_changed")][-1] == "contract"
    decisions = [
        e for e in timeline(case, "decision_made") if e["detail"].get("element_id") == "panel_route"
    ]
    assert [r["row"] for r in decisions[-1]["detail"]["rules"]] == [2]


def test_continue_sends_the_case_back_to_its_stage(pathway_app, pathway_client):
    app, client, world = pathway_app, pathway_client, setup(pathway_app)
    case_id = in_monitoring(app, client, world)
    refer_and_decide(app, client, world, case_id, "continue")
    case = get_case(client, world.adviser, case_id)
    assert case["stage"] == "monitoring" and case["status"] == "open"
    assert "panel_referral" in case["waiting_messages"]


def test_a_cme_decision_closes_the_case_with_that_reason(pathway_app, pathway_client):
    app, client, world = pathway_app, pathway_client, setup(pathway_app)
    case_id = in_monitoring(app, client, world)
    refer_and_decide(app, client, world, case_id, "cme")
    closure = find_task(client, world.adviser, case_id, "closure_summary")
    assert closure["data"]["closure_reason"] == "children_missing_education"
    complete(
        client,
        world.adviser,
        case_id,
        "closure_summary",
        {"closure_reason": "children_missing_education", "notes": "Handed to the CME team."},
    )
    case = get_case(client, world.adviser, case_id)
    assert (case["status"], case["closure_reason"]) == ("closed", "children_missing_education")


def test_referrals_are_checked(pathway_app, pathway_client):
    client, world = pathway_client, setup(pathway_app)
    case_id = open_case(client, world.school, notification())
    early = send_message(client, world.adviser, case_id, "panel_referral", {"reason": "stalled"})
    assert early.status_code == 409  # in triage the case does not accept referrals
    accept_triage(client, world.adviser, case_id)
    bad = send_message(client, world.adviser, case_id, "panel_referral", {"reason": "bored"})
    assert bad.status_code == 422 and "referral reason" in bad.json["message"]
    assert get_case(client, world.adviser, case_id)["stage"] == "monitoring"
    school = send_message(client, world.school, case_id, "panel_referral", {"reason": "stalled"})
    assert school.status_code == 403
