"""The stage rules of a synthetic journey: decisions, waits and work, stage by stage.

Rates are the base case of the domain notes (§11.3): triage accepts 70% and returns 25%;
monitoring improves 45%; half of contracts are kept; an NTI works 40% of the time, leads to a
penalty notice 45% and to prosecution 15%; about 70% of notices are paid within 21 days.
Waits follow the pathway's clocks (monitoring reviews at school weeks 5 and 10, a contract
review after about six weeks, the NTI's six-week improvement period, 28-day payment windows).
"""

from __future__ import annotations

import contextlib

from app.demo.synthetic.journeys import Journey, Stop

#: penalty-notice outcome -> probability (the rest are paid late, days 22-28)
PN_OUTCOMES = (("paid_21", 0.70), ("unpaid", 0.14), ("withdrawn", 0.08))
FIRST_NOTICE_PENCE = 16_000


def walk(journey: Journey) -> None:
    """Simulate the whole journey; it ends closed or stops open at *now*."""
    with contextlib.suppress(Stop):
        _triage(journey)


def _triage(j: Journey) -> None:
    for round_no in range(2):
        roll = j.rng.random()
        if j.pupil.request_type == "penalty_notice_holiday":
            outcome = "redirect_pn_holiday"
        elif roll < 0.66:
            outcome = "accept_monitoring"
        elif roll < 0.70:
            outcome = "accept_direct_to_contract"
        elif roll < 0.95:
            outcome = "return_to_school"
        else:
            outcome = "redirect_safeguarding"
        j.task("triage_review", j.days(0.3, 13), outcome)
        j.case["adviser_id"] = j.adviser_id
        if outcome != "return_to_school":
            break
        j.stage("school_action")
        resubmit = round_no == 0 and j.chance(0.5)
        j.task("school_response", j.days(2, 25), None, response="resubmit" if resubmit else "x")
        if not resubmit:
            return j.close("returned_to_school_stage", improved=False)
        j.stage("triage")
    if outcome == "redirect_safeguarding":
        return j.close("referred_other_service", improved=False)
    if outcome == "redirect_pn_holiday":
        j.stage("enforcement")
        return _penalty_notices(j)
    if outcome == "accept_direct_to_contract":
        return _contract(j)
    return _monitoring(j)


def _monitoring(j: Journey) -> None:
    j.stage("monitoring")
    j.wait(j.days(33, 37))
    escalate = j.chance(0.08)
    j.task("midway_review", j.days(1, 9), "escalate_early_to_contract" if escalate else "continue")
    if escalate:
        return _contract(j)
    j.wait(j.days(30, 36))
    improved = j.chance(0.45)
    j.task("final_review", j.days(1, 9), "improved" if improved else "to_contract")
    if improved:
        return j.close("improved", improved=True)
    return _contract(j)


def _contract(j: Journey) -> None:
    j.stage("contract")
    j.wait(j.days(6, 12))
    j.task("contract_record_meeting_1", j.days(0.2, 4), None)
    j.wait(j.days(35, 60))
    kept = j.chance(0.5)
    j.task("contract_review", j.days(1, 6), "kept_improved" if kept else "breached")
    if kept:
        return j.close("improved", improved=True)
    return _enforcement(j)


def _enforcement(j: Journey) -> None:
    j.stage("enforcement")
    j.task("enforcement_decide_nti", j.days(1, 7), "issue_nti")
    j.wait(j.days(40, 45))
    roll = j.rng.random()
    outcome = (
        "sufficient_improvement"
        if roll < 0.40
        else ("issue_pn" if roll < 0.85 else "consider_prosecution")
    )
    j.task("enforcement_review_nti", j.days(1, 7), outcome)
    if outcome == "sufficient_improvement":
        return j.close("improved", improved=True)
    if outcome == "issue_pn":
        return _penalty_notices(j)
    return _eso_then_legal(j)


def _penalty_notices(j: Journey) -> None:
    """One notice per parent; each is paid, left unpaid or withdrawn; the case follows."""
    j.wait(j.days(1, 10))
    outcomes = [_notice(j, parent) for parent in j.pupil.parents]
    settled = max(n["updated_at"] for n in j.notices[-len(outcomes) :])
    if settled >= j.now:
        raise Stop
    j.clock = max(j.clock, settled)
    if "unpaid" in outcomes:
        j.wait(j.days(1, 10))
        prosecute = j.chance(0.6)
        j.task("enforcement_decide_unpaid", j.days(1, 14), "prosecute" if prosecute else "withdraw")
        if prosecute:
            return _eso_then_legal(j)
        return j.close("pn_withdrawn", improved=False)
    if all(o == "withdrawn" for o in outcomes):
        return j.close("pn_withdrawn", improved=False)
    return j.close("pn_paid", improved=j.chance(0.5))


def _notice(j: Journey, parent: str) -> str:
    roll, outcome = j.rng.random(), "paid_28"
    for name, probability in PN_OUTCOMES:
        if roll < probability:
            outcome = name
            break
        roll -= probability
    delay = {"paid_21": (2, 23), "paid_28": (24, 30), "withdrawn": (5, 40), "unpaid": (31, 32)}
    settled = j.clock + j.days(*delay[outcome])
    status = {"paid_21": "paid", "paid_28": "paid"}.get(outcome, outcome)
    notice_id = j.first_notice_id + len(j.notices)
    j.notices.append(
        {
            "id": notice_id,
            "reference": f"PN-{j.clock.year}-{notice_id:06d}",
            "case_id": j.case_id,
            "upn": j.pupil.upn,
            "parent_name": parent,
            "parent_key": " ".join(parent.split()).casefold(),
            "issued_on": j.clock.date(),
            "amount_pence": FIRST_NOTICE_PENCE,
            "status": status if settled < j.now else "issued",
            "created_at": j.clock,
            "updated_at": settled if settled < j.now else j.clock,
        }
    )
    j.event("penalty_notice_issued", f"Penalty notice PN-{notice_id:06d} issued",
            {"notice_id": notice_id, "issued_on": j.clock.date().isoformat()})  # fmt: skip
    return outcome if settled < j.now else "outstanding"


def _eso_then_legal(j: Journey) -> None:
    eso = j.chance(0.25)
    j.task("enforcement_consider_eso", j.days(3, 20), "apply_eso" if eso else "prosecute")
    if eso:
        j.wait(j.days(60, 200))
        return j.close("eso_discharged", improved=j.chance(0.5))
    _legal(j)


def _legal(j: Journey) -> None:
    j.stage("legal")
    offence_end = (j.clock - j.days(10, 45)).date()
    limitation = _plus_months(offence_end.isoformat(), 6)
    facts = {"offence_period_to": offence_end.isoformat()}
    j.task("legal_select_offence", j.days(1, 6), "s444_1", **facts)
    facts["limitation_date"] = limitation
    for element, low, high in (
        ("legal_record_interview", 5, 25),
        ("legal_prepare_bundle", 3, 12),
        ("legal_qa_bundle", 1, 5),
        ("legal_code_test", 2, 12),
    ):
        j.task(element, j.days(low, high), None, **facts)
    concluded = j.chance(0.8)
    j.wait(j.days(14, 45))
    j.task("legal_court_outcome", j.days(1, 60), None, **facts)
    j.close("legal_concluded" if concluded else "legal_withdrawn", improved=False)


def _plus_months(iso: str, months: int) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    month += months
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year:04d}-{month:02d}-{min(day, 28):02d}"
