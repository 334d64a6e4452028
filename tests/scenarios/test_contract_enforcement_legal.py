"""The contract, enforcement and legal stages: decision-table boundaries and whole scenarios.

DMN tables T4-T10 are exercised through the real engine (RestrictedPython cells, first-match
rows); the scenarios drive cases through the API on SQLite and PostgreSQL with a test-only main
process that calls the real stage sub-processes (see ``stage_helpers``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from factories_forms import valid_notification
from scenarios.stage_helpers import MODEL_DIR, Pathway, deploy_harness, deploy_real

from app.engine import ModelCatalog, WorkflowEngine, compile_model, spec_to_dict

# ---------------------------------------------------------------------------------------------
# Decision tables (no database): each table through a one-task process on the real engine.

_DMN_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d_{d}"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="run_{d}" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="decide" name="Decide">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>{d}</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="decide" />
    <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
"""
_specs: dict[str, Any] = {}


def decide(decision: str, **inputs: Any) -> tuple[dict[str, Any], int]:
    """Run one decision table on ``inputs``; returns (task data, the row that fired)."""
    if decision not in _specs:
        files = {
            "run.bpmn": _DMN_PROCESS.format(d=decision).encode(),
            f"{decision}.dmn": (MODEL_DIR / f"{decision}.dmn").read_bytes(),
        }
        catalog = ModelCatalog(forms=frozenset(), operators={}, lanes={})
        _specs[decision] = spec_to_dict(compile_model(files, f"run_{decision}", catalog))
    result = WorkflowEngine(invoke_service=lambda name, params: {}).start(_specs[decision], inputs)
    [fired] = [d for d in result.decisions if d["kind"] == "dmn"]
    assert len(fired["rules"]) == 1, fired
    return dict(result.data), fired["rules"][0]["row"]


def t4(
    unauthorised: int, pct: float, extended: bool = False, target: float = 90, baseline: float = 70
) -> tuple[str, int]:
    data, row = decide(
        "contract_outcome",
        review_unauthorised=unauthorised,
        review_attendance_pct=pct,
        contract_extension_used=extended,
        attendance_target=target,
        baseline_pct=baseline,
    )
    return data["suggested_outcome"], row


def test_t4_contract_outcome_boundaries() -> None:
    assert t4(4, 99) == ("breached", 1)  # 4 unauthorised sessions is a breach
    assert t4(3, 90) == ("kept_improved", 2)  # exactly the target counts as kept
    assert t4(3, 89.9) == ("extend", 3)  # below target but above the 70% baseline
    assert t4(3, 89.9, extended=True) == ("breached", 4)  # extend only once
    assert t4(0, 70) == ("breached", 4)  # not above the baseline
    assert t4(0, 70.1) == ("extend", 3)


def t5(
    sessions: int, holiday: bool = False, appropriate: bool = True, recent: bool = False
) -> tuple[str, int]:
    data, row = decide(
        "nti_use",
        unauthorised_sessions=sessions,
        holiday_only=holiday,
        support_appropriate=appropriate,
        recent_nti=recent,
    )
    return data["suggested_outcome"], row


def test_t5_notice_to_improve_use_boundaries() -> None:
    assert t5(10) == ("issue_nti", 5)
    assert t5(9) == ("no_nti", 2)  # the national threshold is 10 sessions
    assert t5(12, holiday=True) == ("no_nti", 1)
    assert t5(12, appropriate=False) == ("no_nti", 3)
    assert t5(12, recent=True) == ("no_nti", 4)


def t6(in_period: int, allowed: int = 0, prior: int = 0) -> tuple[str, int]:
    data, row = decide(
        "nti_outcome",
        nti_unauthorised=in_period,
        nti_max_unauthorised=allowed,
        max_prior_notices=prior,
    )
    return data["suggested_outcome"], row


def test_t6_notice_to_improve_outcome_boundaries() -> None:
    assert t6(0) == ("sufficient_improvement", 1)
    assert t6(1) == ("issue_pn", 3)
    assert t6(2, allowed=2) == ("sufficient_improvement", 1)
    assert t6(3, allowed=2, prior=1) == ("issue_pn", 3)
    assert t6(3, allowed=2, prior=2) == ("consider_prosecution", 2)


def t7(sessions: int, prior: int, planned: bool = False) -> tuple[tuple[Any, ...], int]:
    data, row = decide(
        "pn_gate", unauthorised_sessions=sessions, prior_notices=prior, proceedings_planned=planned
    )
    return (data["pn_decision"], data["pn_amount_21"], data["pn_amount_28"]), row


def test_t7_penalty_notice_gate_boundaries() -> None:
    assert t7(9, 0) == (("not_eligible", None, None), 1)
    assert t7(10, 0) == (("issue_pn", 80, 160), 3)  # first notice: GBP 80 / 160
    assert t7(10, 1) == (("issue_pn", None, 160), 4)  # second notice: GBP 160 flat
    assert t7(10, 2) == (("blocked_use_other_tool", None, None), 5)  # third breach
    assert t7(30, 5) == (("blocked_use_other_tool", None, None), 5)
    assert t7(10, 0, planned=True) == (("not_eligible", None, None), 2)


def t8(days: int, sessions: int) -> tuple[str, int]:
    data, row = decide("pn_unpaid", days_to_limitation=days, unauthorised_sessions=sessions)
    return data["suggested_outcome"], row


def test_t8_unpaid_notice_boundaries() -> None:
    assert t8(30, 10) == ("prosecute", 3)
    assert t8(29, 10) == ("withdraw", 1)  # too close to the six-month limit
    assert t8(-5, 40) == ("withdraw", 1)
    assert t8(120, 9) == ("withdraw", 2)


def t9(**facts: bool) -> tuple[str, int]:
    base = {
        "child_looked_after": False,
        "court_likely_to_direct_eso": False,
        "barrier_mainly_child": False,
        "parent_capacity_concern": False,
        "parent_engaging": False,
    }
    data, row = decide("eso_vs_prosecution", **{**base, **facts})
    return data["suggested_outcome"], row


def test_t9_eso_or_prosecution() -> None:
    assert t9() == ("prosecute", 5)
    assert t9(parent_engaging=True) == ("neither_close", 6)
    assert t9(barrier_mainly_child=True) == ("apply_eso", 3)
    assert t9(parent_capacity_concern=True) == ("apply_eso", 4)
    assert t9(court_likely_to_direct_eso=True, barrier_mainly_child=True) == ("both", 2)
    assert t9(child_looked_after=True, court_likely_to_direct_eso=True) == ("neither_close", 1)


def t10(knowledge: int, pct: float, chronic: bool = False) -> tuple[str, int]:
    data, row = decide(
        "offence_selection",
        knowledge_count=knowledge,
        offence_attendance_pct=pct,
        chronic_pattern=chronic,
    )
    return data["suggested_outcome"], row


def test_t10_offence_selection_boundaries() -> None:
    assert t10(0, 20, chronic=True) == ("s444_1", 1)  # no knowledge: strict liability
    assert t10(1, 50) == ("s444_1a", 2)  # severe absence is 50% or less
    assert t10(1, 50.1) == ("s444_1", 4)
    assert t10(2, 80, chronic=True) == ("s444_1a", 3)


# ---------------------------------------------------------------------------------------------
# Scenarios through the API (both databases).

#: Mondays unauthorised all day (O), Tuesday mornings not yet explained (N): 3 sessions a week
NOT_IMPROVING = {0: ("O", "O"), 1: ("N", "\\")}

AGREED_CONTRACT = {
    "parent_attended": True,
    "contract_agreed": True,
    "attendees": "Parent, pupil, head of year, attendance adviser",
    "parent_requirements": "Make sure Jamie is in school by 8:40 every day.",
    "support_commitments": "Breakfast club place; weekly check-in with the head of year.",
    "attendance_target": 95,
    "first_review_weeks": 6,
}


def _legal_to_court(p: Pathway, offence_to: str) -> None:
    """Drive the legal stage from offence selection to an information laid at court."""
    assert p.case().stage == "legal"
    p.complete(
        "legal_select_offence",
        {
            "offence_period_from": (datetime.fromisoformat(offence_to) - timedelta(days=70))
            .date()
            .isoformat(),
            "offence_period_to": offence_to,
            "knowledge_evidence": ["contract_signed", "letters_received", "penalty_notice"],
            "chronic_pattern": True,
            "outcome": "s444_1a",
        },
        role="adviser",
    )
    assert p.rule_rows("legal_offence_suggest") == [3]
    p.complete(
        "legal_record_interview",
        {
            "interviewee": "Sam Testparent",
            "interview_attended": True,
            "parent_account": "Says mornings are hard.",
        },
        role="adviser",
    )
    bundle = {
        "defendants": "Sam Testparent",
        "s566_certificate_received": True,
        "s9_statement_school": True,
    }
    p.complete("legal_prepare_bundle", bundle, role="adviser")
    p.complete(
        "legal_qa_bundle", {"qa_decision": "rework", "qa_comments": "Add exhibits."}, role="manager"
    )
    p.complete(
        "legal_prepare_bundle",
        {**bundle, "exhibits": [{"ref": "SB/1", "description": "Attendance certificate"}]},
        role="adviser",
    )
    p.complete(
        "legal_qa_bundle", {"qa_decision": "approve", "qa_comments": "Complete."}, role="manager"
    )
    # the evidential stage must be met before prosecution: refused, nothing is stored
    code_test = {
        "evidential_met": False,
        "public_interest_met": True,
        "code_test_decision": "prosecute",
        "code_test_reasons": "Strong case.",
    }
    refused = p.complete("legal_code_test", code_test, role="adviser", status=422)
    assert "evidential" in refused.json["message"]
    p.complete(
        "legal_code_test",
        {
            **code_test,
            "evidential_met": True,
            "information_laid_on": datetime.now(UTC).date().isoformat(),
        },
        role="adviser",
    )
    assert [t.element_id for t in p.open_tasks()] == ["legal_court_outcome"]
    assert "hearing_outcome" in p.case().waiting_messages


def test_not_improved_contract_to_prosecution_closes_legal_concluded(
    pathway_app: Any, pathway_client: Any
) -> None:
    deploy_harness(pathway_app, "contract")
    p = Pathway(pathway_app, pathway_client)
    p.post_marks(NOT_IMPROVING)
    p.notify()
    case = p.case()
    assert case.stage == "contract"

    # S4: invitation (D5) 5 school days ahead, meeting on the day, contract agreed (D6)
    assert p.documents() == [("D5", "Sam Testparent")]
    [slot] = p.service_runs("calendar.add_school_days")
    assert slot["params"]["days"] == 5
    assert p.open_tasks() == []
    p.fire_next_timer("contract_meeting_day_1")
    p.complete("contract_record_meeting_1", AGREED_CONTRACT, role="adviser")
    assert [t for t, _r in p.documents()] == ["D5", "D6"]

    # first review after 6 school weeks: T4 row 1 (4+ unauthorised sessions) -> breached
    p.fire_next_timer("contract_review_day")
    assert p.rule_rows("contract_review_suggest") == [1]
    review = p.task("contract_review")
    assert review.role == "adviser" and review.data["suggested_outcome"] == "breached"
    # overriding the table needs a reason
    refused = p.complete(
        "contract_review", {"outcome": "kept_improved", "requirements_met": "partly"}, status=422
    )
    assert "reason" in refused.json["message"]
    p.complete("contract_review", {"outcome": "breached", "requirements_met": "no"})
    assert [t for t, _r in p.documents()][-1] == "D7"

    # S5: threshold met -> T5 issue a notice to improve (D8) for 6 school weeks
    assert p.case().stage == "enforcement"
    assert p.rule_rows("enforcement_nti_use") == [5]
    p.complete(
        "enforcement_decide_nti",
        {
            "outcome": "issue_nti",
            "support_summary": "Contract breached; support refused.",
            "nti_weeks": 6,
            "nti_success_criterion": "No unauthorised absence during the improvement period",
        },
        role="adviser",
    )
    assert [t for t, _r in p.documents()][-1] == "D8"
    p.fire_next_timer("enforcement_nti_ends")
    assert p.rule_rows("enforcement_nti_outcome") == [3]  # still absent -> issue_pn
    p.complete("enforcement_review_nti", {"outcome": "issue_pn"})

    # T7 per parent: first notice, GBP 80 / 160; D9 to the parent
    assert p.rule_rows("enforcement_pn_gate") == [3]
    [notice] = p.notices()
    assert (notice.status, notice.amount_pence, notice.parent_name) == (
        "issued",
        16000,
        "Sam Testparent",
    )
    assert ("D9", "Sam Testparent") in p.documents()
    assert set(p.case().waiting_messages) == {"payment_received", "withdrawal_requested"}

    # unpaid: the 21-day discount window ends, then the 28-day window
    p.fire_next_timer("enforcement_discount_ends")
    p.fire_next_timer("enforcement_window_ends")
    assert p.notices()[0].status == "unpaid"
    assert p.rule_rows("enforcement_unpaid_suggest") == [3]  # prosecute
    p.complete("enforcement_decide_unpaid", {"outcome": "prosecute"}, role="adviser")

    # ESO consideration with children's social care: mandatory, reasons recorded (T9)
    p.complete(
        "enforcement_consider_eso",
        {
            "csc_consulted_on": datetime.now(UTC).date().isoformat(),
            "csc_consultee": "A. Socialworker, Family Support",
            "csc_view": "No open involvement; an ESO would not add to the support already refused.",
            "child_looked_after": False,
            "barrier_mainly_child": False,
            "parent_capacity_concern": False,
            "parent_engaging": False,
            "court_likely_to_direct_eso": False,
            "outcome": "prosecute",
            "eso_reasons": "Support refused throughout; the parent knows of the absence.",
        },
        role="adviser",
    )
    assert p.rule_rows("enforcement_eso_suggest") == [5]

    # S6: legal process to court; the outcome arrives as a message
    _legal_to_court(p, datetime.now(UTC).date().isoformat())
    p.message(
        "hearing_outcome",
        {
            "court_result": "convicted",
            "sentence": "fine",
            "hearing_date": datetime.now(UTC).date().isoformat(),
        },
    )
    case = p.case()
    assert (case.status, case.stage, case.closure_reason) == ("closed", "closed", "legal_concluded")
    stages = [e.detail["to"] for e in p.events("stage_changed")]
    assert stages == ["contract", "enforcement", "legal", "closed"]
    templates = [t for t, _r in p.documents()]
    assert templates[:2] == ["D5", "D6"] and "D10" in templates and "D11" in templates


#: every session present
GOOD = dict.fromkeys(range(5), ("/", "\\"))


def test_family_refuses_contract_action_plan_with_school_improves(
    pathway_app: Any, pathway_client: Any
) -> None:
    deploy_harness(pathway_app, "contract")
    p = Pathway(pathway_app, pathway_client)
    p.post_marks(GOOD, days_before=10)
    p.notify()

    # the parent does not come: the meeting is rearranged once (D5b), 5 school days ahead
    p.fire_next_timer("contract_meeting_day_1")
    p.complete(
        "contract_record_meeting_1",
        {
            "parent_attended": False,
            "contract_agreed": False,
            "attempts_made": "Two calls, one home visit.",
        },
    )
    assert [t for t, _r in p.documents()] == ["D5", "D5b"]
    p.fire_next_timer("contract_meeting_day_2")
    # the parent comes but refuses a contract: an action plan with the school instead
    p.complete(
        "contract_record_meeting_2",
        {
            "parent_attended": True,
            "contract_agreed": False,
            "parent_views": "Does not accept there is a problem.",
        },
    )
    aap = p.task("contract_agree_aap")
    assert (aap.role, aap.lane, aap.form_name) == ("school", "School", "action_plan")
    p.complete(
        "contract_agree_aap",
        {
            "parties": "Head of year (school), attendance adviser (council)",
            "actions": [
                {
                    "who": "School",
                    "what": "Daily greeting at the gate",
                    "by_when": (datetime.now(UTC).date() + timedelta(days=7)).isoformat(),
                }
            ],
            "attendance_target": 95,
            "aap_review_weeks": 6,
        },
        role="school",
    )
    assert [t for t, _r in p.documents()] == ["D5", "D5b", "D7"]
    [weeks] = [r["params"]["weeks"] for r in p.service_runs("calendar.add_school_weeks")]
    assert weeks == 6

    # review after 6 school weeks: full attendance -> T4 row 2 kept and improved
    p.fire_next_timer("contract_review_day")
    assert p.rule_rows("contract_review_suggest") == [2]
    p.complete(
        "contract_review", {"outcome": "kept_improved", "requirements_met": "yes"}, role="adviser"
    )
    case = p.case()
    assert (case.status, case.closure_reason) == ("closed", "improved")


def test_twice_missed_meeting_failure_letter_plan_extended_once_then_breached(
    pathway_app: Any, pathway_client: Any
) -> None:
    deploy_harness(pathway_app, "contract")
    p = Pathway(pathway_app, pathway_client)
    p.post_marks(NOT_IMPROVING)
    p.notify()
    for n in (1, 2):
        p.fire_next_timer(f"contract_meeting_day_{n}")
        p.complete(
            f"contract_record_meeting_{n}", {"parent_attended": False, "contract_agreed": False}
        )
    assert [t for t, _r in p.documents()] == ["D5", "D5b", "D5c"]
    p.complete(
        "contract_agree_aap",
        {
            "parties": "School and council",
            "attendance_target": 90,
            "actions": [{"who": "School", "what": "Mentor"}],
        },
        role="school",
    )
    p.fire_next_timer("contract_review_day")
    # the adviser extends against the table's "breached" (row 1), with a reason
    p.complete(
        "contract_review",
        {
            "outcome": "extend",
            "requirements_met": "partly",
            "override_reason": "New mentor started last week.",
            "extension_weeks": 4,
        },
    )
    assert p.case().stage == "contract"
    p.fire_next_timer("contract_review_day")
    assert p.rule_rows("contract_review_suggest") == [1, 1]
    refused = p.complete(
        "contract_review",
        {"outcome": "extend", "requirements_met": "no", "override_reason": "Again?"},
        status=422,
    )
    assert "extended once" in refused.json["message"]
    p.complete("contract_review", {"outcome": "breached", "requirements_met": "no"})
    assert p.case().stage == "enforcement"
    assert [e.detail["to"] for e in p.events("stage_changed")] == ["contract", "enforcement"]
    assert [t for t, _r in p.documents()][-1] == "D7"
    assert p.task("enforcement_decide_nti").form_name == "enforcement_decision"


def _no_nti(p: Pathway) -> None:
    """Skip the notice to improve (overriding T5, with a reason)."""
    assert p.case().stage == "enforcement"
    p.complete(
        "enforcement_decide_nti",
        {
            "outcome": "no_nti",
            "override_reason": "A notice to improve was given last term.",
            "support_summary": "Contract breached in the spring term.",
        },
        role="adviser",
    )


def test_penalty_notice_paid_within_21_days_closes_pn_paid_at_80(
    pathway_app: Any, pathway_client: Any
) -> None:
    deploy_harness(pathway_app, "enforcement")
    p = Pathway(pathway_app, pathway_client)
    p.post_marks(NOT_IMPROVING, days_after=10)
    p.notify()
    _no_nti(p)
    [notice] = p.notices()
    assert p.rule_rows("enforcement_pn_gate") == [3]
    assert (notice.status, notice.amount_pence) == ("issued", 16000)
    # the 21-day window from deemed receipt (issue + 2 days) is a timeDate timer
    issued = datetime.now(UTC).date()
    assert p.case().next_timer_at == datetime.combine(
        issued + timedelta(days=2 + 21), datetime.min.time(), tzinfo=UTC
    )
    # a short payment is not accepted; the full discounted amount is
    p.message("payment_received", {"notice_id": notice.id, "amount": 50})
    assert p.case().status == "open" and p.notices()[0].status == "issued"
    p.message("payment_received", {"notice_id": notice.id, "amount": 80})
    case = p.case()
    assert (case.status, case.closure_reason) == ("closed", "pn_paid")
    assert p.notices()[0].status == "paid"
    [update] = p.service_runs("penalty.update")
    assert update["params"] == {"notice_id": notice.id, "status": "paid"}
    assert [e.detail["to"] for e in p.events("stage_changed")] == ["enforcement", "closed"]


def _prior_notices(app: Any, p: Pathway, parent: str, years_ago: list[int]) -> None:
    from app.attendance import issue_notice
    from app.core.web import transaction

    reference = p.case().reference
    with app.app_context(), transaction():
        for years in years_ago:
            issue_notice(
                None,
                case_reference=reference,
                upn=p.case().pupil_upn,
                parent_name=parent,
                amount=160,
                issued_on=datetime.now(UTC).date() - timedelta(days=365 * years - 30),
            )


TWO_PARENTS = [
    valid_notification()["parents"][0],
    {
        "full_name": "Alex Testparent",
        "relationship": "Father",
        "parental_responsibility": True,
        "day_to_day_care": True,
        "lives_with_pupil": False,
    },
]


def test_two_parents_one_notice_each_withdrawal_and_payment(
    pathway_app: Any, pathway_client: Any
) -> None:
    deploy_harness(pathway_app, "contract")
    p = Pathway(pathway_app, pathway_client)
    p.post_marks(NOT_IMPROVING)
    p.notify(parents=TWO_PARENTS)
    # Alex already had one notice for this child: a second one is GBP 160 flat
    _prior_notices(pathway_app, p, "Alex Testparent", [1])
    p.fire_next_timer("contract_meeting_day_1")
    p.complete("contract_record_meeting_1", AGREED_CONTRACT)
    assert p.documents()[:2] == [("D5", "Sam Testparent"), ("D5", "Alex Testparent")]
    p.fire_next_timer("contract_review_day")
    p.complete("contract_review", {"outcome": "breached", "requirements_met": "no"})
    _no_nti(p)
    assert p.rule_rows("enforcement_pn_gate") == [3, 4]
    sam, alex = [n for n in p.notices() if n.issued_on == datetime.now(UTC).date()]
    assert (sam.parent_name, alex.parent_name) == ("Sam Testparent", "Alex Testparent")
    assert ("D9", "Sam Testparent") in p.documents() and ("D9", "Alex Testparent") in p.documents()

    # Alex asks for a withdrawal: the manager withdraws it (D9b); Sam pays the full GBP 160
    # after the 21-day discount window
    p.message("withdrawal_requested", {"notice_id": alex.id, "reason": "Not living there."})
    review = p.task("enforcement_review_withdrawal")
    assert (review.role, review.data["withdrawal_notice_reference"]) == ("manager", alex.reference)
    p.complete(
        "enforcement_review_withdrawal",
        {
            "withdrawal_decision": "withdraw",
            "withdrawal_ground": "wrong_person",
            "withdrawal_reasons": "Alex does not have day-to-day care.",
        },
        role="manager",
    )
    assert ("D9b", "Alex Testparent") in p.documents()
    p.fire_next_timer("enforcement_discount_ends")
    p.message("payment_received", {"notice_id": sam.id, "amount": 80})  # too little now
    assert p.case().status == "open"
    p.message("payment_received", {"notice_id": sam.id, "amount": 160})
    case = p.case()
    assert (case.status, case.closure_reason) == ("closed", "pn_paid")
    statuses = {
        n.parent_name: n.status for n in p.notices() if n.issued_on == datetime.now(UTC).date()
    }
    assert statuses == {"Sam Testparent": "paid", "Alex Testparent": "withdrawn"}


def test_third_breach_in_three_years_blocks_the_notice_eso_made(
    pathway_app: Any, pathway_client: Any
) -> None:
    deploy_harness(pathway_app, "enforcement")
    p = Pathway(pathway_app, pathway_client)
    p.post_marks(NOT_IMPROVING, days_after=10)
    p.notify()
    # two earlier, non-withdrawn notices to this parent for this child within 3 years
    _prior_notices(pathway_app, p, "Sam Testparent", [1, 2])
    # the decision at the start already sees them: T5 still suggests a notice to improve
    _no_nti(p)
    assert p.rule_rows("enforcement_pn_gate") == [5]  # blocked_use_other_tool
    assert len(p.notices()) == 2  # no new notice
    assert [t.element_id for t in p.open_tasks()] == ["enforcement_consider_eso"]
    eso = {
        "csc_consulted_on": datetime.now(UTC).date().isoformat(),
        "csc_consultee": "Duty team",
        "csc_view": "Support an ESO.",
        "child_looked_after": False,
        "barrier_mainly_child": True,
        "parent_capacity_concern": False,
        "parent_engaging": True,
        "court_likely_to_direct_eso": False,
        "eso_reasons": "The child will not go; parent tries.",
    }
    # a decision against the table (T9 row 3: apply for an ESO) needs a reason
    refused = p.complete("enforcement_consider_eso", {**eso, "outcome": "prosecute"}, status=422)
    assert "T9" in refused.json["message"]
    p.complete("enforcement_consider_eso", {**eso, "outcome": "apply_eso"})
    assert p.rule_rows("enforcement_eso_suggest") == [3]
    assert [t for t, _r in p.documents()][-1] == "D12"
    order_end = (datetime.now(UTC).date() + timedelta(days=365)).isoformat()
    p.complete(
        "enforcement_record_eso",
        {
            "eso_order_made": True,
            "eso_order_end": order_end,
            "eso_order_date": datetime.now(UTC).date().isoformat(),
        },
        role="adviser",
    )
    # the order runs: the case waits for its end date
    assert p.case().next_timer_at.date().isoformat() == order_end
    p.fire_next_timer("enforcement_eso_ends")
    case = p.case()
    assert (case.status, case.closure_reason) == ("closed", "eso_discharged")


def test_limitation_watch_warns_the_manager_then_time_bars(
    pathway_app: Any, pathway_client: Any
) -> None:
    deploy_harness(pathway_app, "legal")
    p = Pathway(pathway_app, pathway_client)
    p.notify()
    assert p.case().stage == "legal"
    offence_to = (datetime.now(UTC).date() - timedelta(days=130)).isoformat()
    p.complete(
        "legal_select_offence",
        {
            "offence_period_from": (datetime.now(UTC).date() - timedelta(days=200)).isoformat(),
            "offence_period_to": offence_to,
            "knowledge_evidence": [],
            "chronic_pattern": False,
            "outcome": "s444_1",
        },
    )
    assert p.rule_rows("legal_offence_suggest") == [1]
    assert p.documents()[-1][0] == "D10"
    # four months after the offence period: the warning is already due, and shows with the
    # next step of the case (a timer already due when reached runs on the engine's next run)
    p.complete(
        "legal_record_interview",
        {"interviewee": "Sam Testparent", "interview_attended": False, "written_interview": True},
    )
    warning = p.task("legal_limitation_alert")
    assert (warning.role, warning.lane) == ("manager", "Manager")
    p.complete("legal_limitation_alert", {"warning_action": "Bundle to be finished this week."})
    # the bundle is still not ready when the limitation date passes
    p.fire_next_timer("legal_limitation_expired")
    case = p.case()
    assert (case.status, case.closure_reason) == ("closed", "legal_withdrawn")
    assert p.events("case_closed")[0].detail["closure_reason"] == "legal_withdrawn"


def test_court_outcome_form_withdrawn_closes_legal_withdrawn(
    pathway_app: Any, pathway_client: Any
) -> None:
    deploy_harness(pathway_app, "legal")
    p = Pathway(pathway_app, pathway_client)
    p.notify()
    _legal_to_court(p, datetime.now(UTC).date().isoformat())
    court = p.task("legal_court_outcome")
    assert (court.role, court.lane, court.form_name) == ("adviser", "Legal", "court_outcome")
    p.complete(
        "legal_court_outcome",
        {"hearing_date": datetime.now(UTC).date().isoformat(), "court_result": "withdrawn"},
    )
    case = p.case()
    assert (case.status, case.closure_reason) == ("closed", "legal_withdrawn")


# ---------------------------------------------------------------------------------------------
# Drawing rules the stage files keep (no database).

_NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
}
_FLOW_NODES = (
    "startEvent", "endEvent", "scriptTask", "serviceTask", "userTask", "businessRuleTask",
    "exclusiveGateway", "intermediateCatchEvent", "receiveTask", "subProcess", "boundaryEvent",
)  # fmt: skip


@pytest.mark.parametrize("name", ["contract.bpmn", "enforcement.bpmn", "legal.bpmn"])
def test_every_element_is_drawn_and_every_user_task_is_complete(name: str) -> None:
    from lxml import etree

    doc = etree.parse(str(MODEL_DIR / name))
    shapes = {s.get("bpmnElement") for s in doc.iterfind(".//bpmndi:BPMNShape", _NS)}
    edges = {e.get("bpmnElement") for e in doc.iterfind(".//bpmndi:BPMNEdge", _NS)}
    nodes = [n for tag in _FLOW_NODES for n in doc.iterfind(f".//bpmn:{tag}", _NS)]
    assert nodes and not [n.get("id") for n in nodes if n.get("id") not in shapes]
    flows = [f.get("id") for f in doc.iterfind(".//bpmn:sequenceFlow", _NS)]
    assert flows and not [f for f in flows if f not in edges]
    in_lane = {r.text for r in doc.iterfind(".//bpmn:lane/bpmn:flowNodeRef", _NS)}
    for task in doc.iterfind(".//bpmn:userTask", _NS):
        props = {p.get("name"): p.get("value") for p in task.iterfind(".//spiff:property", _NS)}
        assert props.get("formKey") and int(props["dueDays"]) > 0, task.get("id")
        assert task.get("id") in in_lane and task.get("name"), task.get("id")
    # repeated cycles are standard loops or multi-instance, never gateway back-edges: the
    # sequence flows form no cycle
    graph: dict[str, list[str]] = {}
    for flow in doc.iterfind(".//bpmn:sequenceFlow", _NS):
        graph.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, f"cycle through {node}"
        if node not in done:
            for nxt in graph.get(node, []):
                visit(nxt, (*path, node))
            done.add(node)

    for node in list(graph):
        visit(node, ())


@pytest.mark.parametrize(
    "name",
    ["contract_outcome", "nti_use", "nti_outcome", "pn_gate", "pn_unpaid",
     "eso_vs_prosecution", "offence_selection"],
)  # fmt: skip
def test_every_decision_table_ends_with_a_catch_all_row(name: str) -> None:
    from lxml import etree

    doc = etree.parse(str(MODEL_DIR / f"{name}.dmn"))
    assert len(doc.findall(".//dmn:decision", _NS)) == 1
    assert doc.find(".//dmndi:DMNShape", _NS) is not None
    rules = doc.findall(".//dmn:rule", _NS)
    last = [
        e.findtext("dmn:text", namespaces=_NS) for e in rules[-1].iterfind("dmn:inputEntry", _NS)
    ]
    assert set(last) == {"-"}
    assert all(r.findtext("dmn:description", namespaces=_NS) for r in rules)


# ---------------------------------------------------------------------------------------------
# The real case model: triage routes straight to the contract, which breaches into enforcement.


def test_real_pathway_contract_breach_penalty_paid_closes_pn_paid(
    pathway_app: Any, pathway_client: Any
) -> None:
    from scenarios.helpers import notification

    deploy_real(pathway_app)
    p = Pathway(pathway_app, pathway_client)
    p.post_marks(NOT_IMPROVING)
    p.notify(notification())
    assert p.case().stage == "triage"
    p.complete(
        "triage_review",
        {
            "outcome": "accept_direct_to_contract",
            "reasons": "Parents have refused school support.",
            "override_reason": "Parents refused every offer of support.",
        },
    )
    assert p.case().stage == "contract"
    p.fire_next_timer("contract_meeting_day_1")
    p.complete("contract_record_meeting_1", AGREED_CONTRACT, role="adviser")
    p.fire_next_timer("contract_review_day")
    p.complete("contract_review", {"outcome": "breached", "requirements_met": "no"})
    _no_nti(p)
    [notice] = p.notices()
    p.message("payment_received", {"notice_id": notice.id, "amount": 80})
    # the main process's closure stage records the reason the enforcement stage returned
    closure = p.task("closure_summary")
    assert closure.data["closure_reason"] == "pn_paid"
    p.complete("closure_summary", {"closure_reason": "pn_paid"})
    case = p.case()
    assert (case.status, case.closure_reason) == ("closed", "pn_paid")
    stages = [e.detail["to"] for e in p.events("stage_changed")]
    assert stages == ["contract", "enforcement", "closed"]
    templates = [t for t, _r in p.documents()]
    assert templates[:4] == ["D5", "D6", "D7", "D9"]
