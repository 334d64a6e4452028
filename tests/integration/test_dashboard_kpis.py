"""Every dashboard figure computed from a known set of cases, on SQLite and PostgreSQL.

``build_world`` writes twelve cases directly (cases, tasks, audit events, penalty notices,
case flags) with hand-picked dates around NOW; each test states the figure it expects and why.
The period is the seven weeks from Monday 5 October to Sunday 22 November 2026.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from factories import deploy_default

from app.accounts import create_school, create_user
from app.attendance import PenaltyNotice
from app.audit import AuditEvent
from app.cases import Case, Task
from app.core.web import reading, transaction
from app.dashboard import drill, outcomes, queries, statutory
from app.dashboard.filters import Filters
from app.dashboard.models import CaseFlags
from app.process_models import latest_version

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PERIOD = Filters(date_from=date(2026, 10, 5), date_to=date(2026, 11, 22))
A, B = "100001", "100002"


def at(text: str) -> datetime:
    """'2026-10-06 09:00' as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class World:
    """Case ids by name (C1..C12) and the advisers' ids."""

    cases: dict[str, int] = field(default_factory=dict)
    advisers: dict[str, int] = field(default_factory=dict)
    serial: int = 0

    def ids(self, *names: str) -> set[int]:
        return {self.cases[name] for name in names}


class Builder:
    """Writes rows in one unit of work; ``case`` returns the new case's id."""

    def __init__(self, session: Any, world: World, version_id: int) -> None:
        self.session, self.world, self.version_id = session, world, version_id

    def case(self, name: str, school: str, opened: str, stage: str, **kw: Any) -> int:
        self.world.serial += 1
        flags = kw.pop("flags", {})
        case = Case(
            reference=f"ATT-2026-{self.world.serial:06d}",
            school_urn=school,
            pupil_upn=f"A93720011900{self.world.serial % 10}",
            pupil_name=f"Pupil {name}",
            stage=stage,
            status=kw.pop("status", "closed" if stage == "closed" else "open"),
            opened_at=at(opened),
            model_version_id=self.version_id,
            state="{}",
            serializer_version="test",
            waiting_messages=[],
            **kw,
        )
        self.session.add(case)
        self.session.flush()
        self.world.cases[name] = case.id
        self.session.add(CaseFlags(case_id=case.id, **{
            "sen_support": False, "ehcp": False, "social_worker": False,
            "free_school_meals": False, **flags,
        }))  # fmt: skip
        return case.id

    def task(self, case: str, element: str, created: str, **kw: Any) -> int:
        outcome = kw.pop("outcome", None)
        submitted = kw.pop("submitted", {"outcome": outcome} if outcome else {})
        task = Task(
            case_id=self.world.cases[case],
            bpmn_task_id=str(uuid.uuid4()),
            element_id=element,
            title=element,
            role="adviser",
            status=kw.pop("status", "completed" if kw.get("completed_at") else "open"),
            created_at=at(created),
            data=kw.pop("data", {}),
            **kw,
        )
        self.session.add(task)
        self.session.flush()
        if task.status == "completed":
            self.event(case, "task_completed", task.completed_at,
                       {"task_id": task.id, "element_id": element, "data": submitted})  # fmt: skip
        return task.id

    def event(self, case: str, event_type: str, moment: datetime, detail: dict[str, Any]) -> None:
        self.session.add(
            AuditEvent(
                case_id=self.world.cases[case],
                at=moment,
                event_type=event_type,
                summary=event_type,
                detail=detail,
            )
        )

    def stage(self, case: str, moment: str, old: str, new: str) -> None:
        self.event(case, "stage_changed", at(moment), {"from": old, "to": new})

    def notice(self, case: str, issued: str, status: str, updated: str) -> None:
        self.world.serial += 1
        self.session.add(
            PenaltyNotice(
                reference=f"PN-2026-{self.world.serial:06d}",
                case_id=self.world.cases[case],
                upn="A937200119001",
                parent_name="Parent",
                parent_key="parent",
                issued_on=date.fromisoformat(issued),
                amount_pence=16000,
                status=status,
                created_at=at(f"{issued} 10:00"),
                updated_at=at(updated),
            )
        )


def build_world(app: Any) -> World:
    """Twelve cases (see the module docstring of each test for what they count toward)."""
    deploy_default(app)
    world = World()
    with app.app_context(), transaction() as session:
        for urn, name in ((A, "Riverside Primary School"), (B, "Hillcrest Academy")):
            create_school(urn, name)
        for key in ("x", "y"):
            user = create_user(f"adviser-{key}@example.test", role="adviser", name=f"Adviser {key}")
            world.advisers[key] = user.id
        version = latest_version(app.config["CASE_PROCESS_MODEL"])
        _cases(Builder(session, world, version.id), world.advisers)
    return world


def _cases(b: Builder, adv: dict[str, int]) -> None:
    x, y = adv["x"], adv["y"]
    b.case("C1", A, "2026-10-06 09:00", "triage", adviser_id=x, flags={"sen_support": True},
           next_timer_at=at("2026-11-25 11:30"))  # fmt: skip
    b.task("C1", "triage_review", "2026-10-06 09:00", due_at=at("2026-10-20 09:00"))
    b.case("C2", A, "2026-10-07 10:00", "monitoring", adviser_id=x,
           flags={"ehcp": True, "free_school_meals": True},
           next_timer_at=at("2026-11-25 08:00"))  # fmt: skip
    b.task("C2", "triage", "2026-10-07 10:00", due_at=at("2026-10-21 10:00"),
           completed_at=at("2026-10-09 10:00"), outcome="accept_monitoring")  # fmt: skip
    b.stage("C2", "2026-10-09 10:00", "triage", "monitoring")
    b.case("C3", B, "2026-10-13 09:00", "closed", adviser_id=y, closed_at=at("2026-11-10 12:00"),
           closure_reason="improved", flags={"free_school_meals": True})  # fmt: skip
    b.task("C3", "triage_review", "2026-10-13 09:00", due_at=at("2026-10-27 09:00"),
           completed_at=at("2026-10-19 09:00"), outcome="accept_monitoring")  # fmt: skip
    b.stage("C3", "2026-10-19 09:00", "triage", "monitoring")
    b.stage("C3", "2026-11-10 12:00", "monitoring", "closed")
    b.task("C3", "closure_summary", "2026-11-09 09:00", completed_at=at("2026-11-10 11:00"),
           data={"baseline_attendance_pct": 70.0, "closing_attendance_pct": 85.0})  # fmt: skip
    b.case("C4", B, "2026-10-20 09:00", "contract", flags={"social_worker": True})
    b.task("C4", "triage_review", "2026-10-20 09:00", due_at=at("2026-11-03 09:00"),
           completed_at=at("2026-11-04 09:00"), outcome="accept_direct_to_contract")  # fmt: skip
    b.stage("C4", "2026-11-04 09:00", "triage", "contract")
    b.task("C4", "contract_record_meeting_1", "2026-11-05 09:00",
           completed_at=at("2026-11-10 09:00"), submitted={"contract_agreed": False})  # fmt: skip
    _legal_cases(b, x, y)
    _closed_cases(b, x, y)


def _legal_cases(b: Builder, x: int, y: int) -> None:
    b.case("C5", A, "2026-09-01 09:00", "legal", adviser_id=y,
           flags={"unauthorised_sessions": 12, "late_sessions": 10})  # fmt: skip
    b.stage("C5", "2026-10-08 09:00", "monitoring", "contract")
    b.task("C5", "contract_record_meeting_1", "2026-10-09 09:00",
           completed_at=at("2026-10-10 09:00"), submitted={"contract_agreed": True})  # fmt: skip
    b.stage("C5", "2026-10-15 09:00", "contract", "enforcement")
    b.task("C5", "enforcement_review_nti", "2026-10-19 09:00",
           completed_at=at("2026-10-20 09:00"), outcome="issue_pn")  # fmt: skip
    b.task("C5", "enforcement_consider_eso", "2026-10-20 09:00",
           completed_at=at("2026-10-21 09:00"), outcome="prosecute")  # fmt: skip
    b.stage("C5", "2026-10-22 09:00", "enforcement", "legal")
    b.task("C5", "legal_select_offence", "2026-10-22 09:00", completed_at=at("2026-10-23 09:00"),
           data={"offence_period_to": "2026-06-15"})  # fmt: skip
    b.task("C5", "legal_prepare_bundle", "2026-10-23 09:00", due_at=at("2026-11-30 09:00"),
           data={"offence_period_to": "2026-06-15", "limitation_date": "2026-12-15"})  # fmt: skip
    b.notice("C5", "2026-10-16", "unpaid", "2026-11-14 09:00")
    b.notice("C5", "2026-10-16", "withdrawn", "2026-10-30 09:00")
    b.case("C6", A, "2026-08-15 09:00", "legal", adviser_id=x)
    b.stage("C6", "2026-09-20 09:00", "monitoring", "contract")
    b.task("C6", "enforcement_consider_eso", "2026-09-24 09:00",
           completed_at=at("2026-09-25 09:00"), outcome="both")  # fmt: skip
    b.task("C6", "legal_prepare_bundle", "2026-10-01 09:00", due_at=at("2026-11-01 09:00"),
           data={"offence_period_to": "2026-04-10"})  # fmt: skip
    b.notice("C6", "2026-09-20", "paid", "2026-09-30 09:00")
    b.notice("C6", "2026-10-06", "paid", "2026-11-20 09:00")
    b.case("C9", B, "2026-10-01 09:00", "enforcement", adviser_id=x, status="error")
    b.task("C9", "enforcement_review_nti", "2026-10-20 09:00", status="cancelled",
           completed_at=at("2026-10-25 09:00"))  # fmt: skip
    b.task("C9", "enforcement_record_eso", "2026-10-25 09:00",
           completed_at=at("2026-10-30 09:00"), submitted={"eso_order_made": True})  # fmt: skip
    b.notice("C9", "2026-11-20", "issued", "2026-11-20 10:00")


def _closed_cases(b: Builder, x: int, y: int) -> None:
    b.case("C7", B, "2026-09-10 09:00", "closed", adviser_id=y, closed_at=at("2026-11-03 12:00"),
           closure_reason="improved")  # fmt: skip
    b.stage("C7", "2026-11-03 12:00", "contract", "closed")
    b.task("C7", "closure_summary", "2026-11-02 09:00", completed_at=at("2026-11-03 11:00"),
           data={"baseline_attendance_pct": 60.0, "closing_attendance_pct": 58.0})  # fmt: skip
    b.case("C8", A, "2026-09-15 09:00", "closed", adviser_id=x, closed_at=at("2026-11-12 12:00"),
           closure_reason="improved")  # fmt: skip
    b.task("C8", "enforcement_review_nti", "2026-11-04 09:00",
           completed_at=at("2026-11-05 09:00"), outcome="sufficient_improvement")  # fmt: skip
    b.stage("C8", "2026-11-12 12:00", "enforcement", "closed")
    b.task("C8", "closure_summary", "2026-11-11 09:00", completed_at=at("2026-11-12 11:00"),
           data={"baseline_attendance_pct": 80.0, "closing_attendance_pct": 90.0})  # fmt: skip
    b.case("C10", A, "2026-10-14 09:00", "closed", adviser_id=x, closed_at=at("2026-10-28 12:00"),
           closure_reason="left_roll")  # fmt: skip
    b.task("C10", "triage_review", "2026-10-14 09:00", due_at=at("2026-10-28 09:00"),
           completed_at=at("2026-10-15 09:00"), outcome="accept_monitoring")  # fmt: skip
    b.stage("C10", "2026-10-28 12:00", "monitoring", "closed")
    b.case("C11", B, "2026-10-05 09:00", "closed", adviser_id=y, closed_at=at("2026-11-10 15:00"),
           closure_reason="pn_paid", flags={"request_type": "penalty_notice_holiday"})  # fmt: skip
    b.stage("C11", "2026-11-10 15:00", "enforcement", "closed")
    b.task("C11", "closure_summary", "2026-11-09 09:00", completed_at=at("2026-11-10 14:00"),
           data={"closure_reason": "pn_paid"})  # fmt: skip
    b.notice("C11", "2026-10-10", "paid", "2026-10-25 09:00")
    b.notice("C11", "2026-10-10", "paid", "2026-11-05 09:00")
    b.case("C12", B, "2026-03-01 09:00", "closed", adviser_id=y, closed_at=at("2026-11-15 12:00"),
           closure_reason="legal_concluded")  # fmt: skip
    b.stage("C12", "2026-05-01 09:00", "enforcement", "legal")
    b.task("C12", "legal_court_outcome", "2026-11-01 09:00", completed_at=at("2026-11-14 09:00"),
           submitted={"court_result": "convicted", "parenting_order": True})  # fmt: skip
    b.stage("C12", "2026-11-15 12:00", "legal", "closed")


@pytest.fixture
def world(app):
    return build_world(app)


def figures(app: Any, func: Any, *args: Any) -> Any:
    with app.app_context(), reading():
        return func(*args)


def drilled(app: Any, kpi: str, arg: str | None = None, filters: Filters = PERIOD) -> set[int]:
    with app.app_context(), reading() as session:
        return set(session.scalars(drill.kpi_case_ids(kpi, filters, NOW, arg)))


def test_open_cases_per_stage_with_overdue_timers_and_errors(app, world):
    occupancy = figures(app, queries.occupancy, PERIOD, NOW)

    assert {s: v["open"] for s, v in occupancy.items() if v["open"]} == {
        "triage": 1, "monitoring": 1, "contract": 1, "legal": 2,
    }  # fmt: skip
    # C2's timer is 4 hours late; C1's is 30 minutes late, inside the worker's grace hour
    assert {s: v["timer_overdue"] for s, v in occupancy.items() if v["timer_overdue"]} == {
        "monitoring": 1
    }
    assert occupancy["enforcement"] == {"open": 0, "timer_overdue": 0, "error": 1}
    assert drilled(app, "open") == world.ids("C1", "C2", "C4", "C5", "C6")
    assert drilled(app, "open", "legal") == world.ids("C5", "C6")
    assert drilled(app, "overdue_timers") == world.ids("C2")
    assert drilled(app, "error") == world.ids("C9")


def test_caseload_per_adviser_and_overdue_tasks(app, world):
    caseload = figures(app, queries.caseload, PERIOD)
    overdue = figures(app, queries.overdue_tasks, PERIOD, NOW)

    by_adviser = {row["adviser_id"]: row["open"] for row in caseload}
    assert by_adviser == {world.advisers["x"]: 3, world.advisers["y"]: 1, None: 1}
    # C1's triage task was due 20 October, C6's bundle 1 November; C5's is due 30 November
    assert sorted((r["stage"], r["tasks"], r["cases"]) for r in overdue) == [
        ("legal", 1, 1),
        ("triage", 1, 1),
    ]
    assert {r["adviser_id"] for r in overdue} == {world.advisers["x"]}
    assert drilled(app, "overdue_tasks") == world.ids("C1", "C6")
    assert drilled(app, "caseload", str(world.advisers["x"])) == world.ids("C1", "C2", "C6")
    assert drilled(app, "caseload", "0") == world.ids("C4")


def test_cases_near_the_limitation_date(app, world):
    # C5: the pathway stored 15 December (within two months of 25 November);
    # C6: no stored date, so offence period end 10 April + 6 months = 10 October (past)
    assert figures(app, queries.limitation_risk, PERIOD, NOW) == {"within": 2, "past": 1}
    assert drilled(app, "limitation") == world.ids("C5", "C6")
    assert drilled(app, "limitation", "past") == world.ids("C6")


def test_notifications_closures_and_open_cases_per_week(app, world):
    assert figures(app, queries.notifications_per_bucket, PERIOD) == [3, 2, 1, 0, 0, 0, 0]
    assert figures(app, queries.closures_per_bucket, PERIOD) == [0, 0, 0, 1, 1, 4, 0]
    # open at 5 October: C5, C6, C7, C8, C9 (error) and C12
    assert figures(app, queries.open_at_start, PERIOD) == 6
    assert drilled(app, "notified") == world.ids("C1", "C2", "C3", "C4", "C10", "C11")
    assert drilled(app, "notified", "1") == world.ids("C3", "C10")
    assert drilled(app, "closed", "5:") == world.ids("C3", "C8", "C11", "C12")
    assert drilled(app, "closed", ":improved") == world.ids("C3", "C7", "C8")


def test_triage_time_median_and_on_time(app, world):
    # C10 1 day, C2 2 days, C3 6 days, C4 15 days (a day late); C1 is still in triage
    assert figures(app, queries.triage_time, PERIOD) == {
        "median_days": 4.0,
        "count": 4,
        "on_time": 3,
    }
    assert drilled(app, "triage") == world.ids("C2", "C3", "C4", "C10")
    assert drilled(app, "triage", "late") == world.ids("C4")


def test_stage_outcomes_monitoring_and_contract(app, world):
    flow = figures(app, outcomes.stage_flow, PERIOD)

    # monitoring: C3 closed improved, C5 escalated to contract, C10 left the roll
    assert flow["monitoring"] == {"improved": 1, "escalated": 1, "other": 1, "entered": 2}
    # contract: C7 kept and improved, C5 breached to enforcement (C6's exit was in September)
    assert flow["contract"] == {"improved": 1, "escalated": 1, "other": 0, "entered": 2}
    assert flow["closed"]["entered"] == 6
    assert drilled(app, "exit", "monitoring:improved") == world.ids("C3")
    assert drilled(app, "exit", "monitoring:all") == world.ids("C3", "C5", "C10")
    assert drilled(app, "exit", "contract:escalated") == world.ids("C5")
    assert drilled(app, "entered", "contract") == world.ids("C4", "C5")


def test_notice_to_improve_success(app, world):
    # C9's review was cancelled: not a decision
    decisions = figures(app, outcomes.decisions, outcomes.NTI_REVIEW_TASK, PERIOD)
    assert decisions == {"issue_pn": 1, "sufficient_improvement": 1}
    assert drilled(app, "nti") == world.ids("C5", "C8")
    assert drilled(app, "nti", "sufficient_improvement") == world.ids("C8")


def test_penalty_notice_outcomes(app, world):
    # paid 15 days and 26 days after issue (deemed receipt 2 days after issue), 45 days;
    # unpaid; withdrawn; one issued on 20 November still in its window; 20 September excluded
    assert figures(app, outcomes.penalty_notices, PERIOD) == {
        "paid_21": 1,
        "paid_28": 1,
        "paid_late": 1,
        "unpaid": 1,
        "withdrawn": 1,
        "outstanding": 1,
    }
    assert drilled(app, "pn") == world.ids("C5", "C6", "C9", "C11")
    assert drilled(app, "pn", "paid_21") == world.ids("C11")


def test_attendance_change_from_referral_to_closure(app, world):
    # C3 70 -> 85, C7 60 -> 58, C8 80 -> 90; C11's closure task has no figures
    assert figures(app, outcomes.attendance_change, PERIOD) == {
        "count": 3,
        "mean_change": 7.7,
        "improved": 2,
        "mean_baseline": 70.0,
        "mean_closing": 77.7,
    }
    assert drilled(app, "attendance", "improved") == world.ids("C3", "C8")


def test_closures_by_reason(app, world):
    assert figures(app, outcomes.closures_by_reason, PERIOD) == {
        "improved": 3,
        "left_roll": 1,
        "pn_paid": 1,
        "legal_concluded": 1,
    }


def test_filters_school_adviser_stage_and_pupil_group(app, world):
    school_a = replace(PERIOD, school=A)
    send, fsm = replace(PERIOD, group="send"), replace(PERIOD, group="fsm")
    unallocated, legal = replace(PERIOD, adviser=0), replace(PERIOD, stage="legal")

    assert sum(v["open"] for v in figures(app, queries.occupancy, school_a, NOW).values()) == 4
    pn_a = figures(app, outcomes.penalty_notices, school_a)
    assert {k: v for k, v in pn_a.items() if v} == {"unpaid": 1, "withdrawn": 1, "paid_late": 1}
    assert drilled(app, "open", filters=send) == world.ids("C1", "C2")
    assert figures(app, queries.notifications_per_bucket, fsm) == [1, 1, 0, 0, 0, 0, 0]
    assert drilled(app, "open", filters=unallocated) == world.ids("C4")
    assert set(figures(app, queries.occupancy, legal, NOW)) == {"legal"}
    assert figures(app, queries.limitation_risk, legal, NOW) == {"within": 2, "past": 1}


def test_annual_return_2026_to_2027(app, world):
    figures_ = figures(app, statutory.statutory_return, 2026)

    assert figures_["notices"]["holiday"] == {**_zero(), "paid_21": 1, "paid_28": 1}
    assert figures_["notices"]["late"] == {**_zero(), "unpaid": 1, "withdrawn": 1}
    assert figures_["notices"]["other"] == {**_zero(), "paid_21": 1, "paid_late": 1,
                                             "outstanding": 1}  # fmt: skip
    assert figures_["issued"] == 7
    assert figures_["prosecutions"] == {"started": 1, "after_non_payment": 1}
    assert figures_["court_results"] == {"convicted": 1}
    assert figures_["parenting_orders"] == 1
    assert figures_["contracts"] == {"entered": 3, "agreed": 1}
    assert figures_["eso"] == {"applied": 1, "made": 1}
    assert figures_["accepted"] == 4
    rows = statutory.return_rows(figures_)
    assert ("Penalty notices", "Issued (all reasons)", 7) in rows
    assert ("Education supervision orders", "Made", 1) in rows


def _zero() -> dict[str, int]:
    return dict.fromkeys(outcomes.PN_BUCKETS, 0)


def test_the_period_bucketing():
    assert PERIOD.buckets == 7 and PERIOD.bucket_days == 7
    assert PERIOD.bucket_range(6) == (date(2026, 11, 16), date(2026, 11, 22))
    two_years = Filters(date_from=date(2025, 1, 6), date_to=date(2026, 12, 27))
    assert two_years.bucket_days == 14 and two_years.buckets == 52
    assert queries.add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)
    assert PERIOD.end - PERIOD.start == timedelta(days=49)
