"""Read-side queries: whether the pathway works — stage outcomes, penalty notices, attendance.

The rules, in one place (the README of the dashboard repeats them for managers):

* **Stage exits** come from ``stage_changed`` audit events in the period.  A case leaving
  monitoring (or the contract stage) *improved* when it went to ``closed`` with closure reason
  ``improved``; it *escalated* when it went on to a later stage (contract, enforcement, legal).
  Any other exit (left the roll, withdrawn, referred, returned) is reported but not rated.
* **Notice to improve** success is the decision recorded at the NTI review task
  (``enforcement_review_nti``, form field ``outcome``): ``sufficient_improvement`` out of all
  reviews completed in the period, read from the review's ``task_completed`` audit event.
* **Penalty notices** issued in the period, by outcome: paid within 21 days, paid within 28
  days (22-28), paid later, unpaid, withdrawn, or still in their payment window.  Days run from
  the deemed receipt, DEEMED_RECEIPT_DAYS after issue, to the day the payment was recorded.
* **Attendance change** of cases closed in the period: the closure task's
  ``closing_attendance_pct`` minus ``baseline_attendance_pct`` (closure.bpmn puts both in the
  task data: the figures at referral and the register at closure), in percentage points.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select

from app.attendance import PenaltyNotice
from app.audit import AuditEvent
from app.cases import Case, Task
from app.core.uow import current_session
from app.dashboard.filters import Filters, case_conditions
from app.dashboard.sql_time import at, date_diff, utc_date

#: stage -> the later stages a case escalates to when that stage does not work
ESCALATIONS = {
    "monitoring": ("contract", "enforcement", "legal"),
    "contract": ("enforcement", "legal"),
}
#: the NTI review user task and its decision that counts as success
NTI_REVIEW_TASK = "enforcement_review_nti"
NTI_SUCCESS = "sufficient_improvement"
#: the closure user task whose data carries the attendance at referral and at closure
CLOSURE_TASK = "closure_summary"
#: a posted penalty notice is deemed received 2 working days after issue [VERIFY locally]
DEEMED_RECEIPT_DAYS = 2
#: penalty-notice outcome buckets, in display order
PN_BUCKETS = ("paid_21", "paid_28", "paid_late", "unpaid", "withdrawn", "outstanding")


def stage_exit_subquery(filters: Filters) -> Any:
    """One row per ``stage_changed`` event in the period: case, from, to, and its kind."""
    changes = (
        select(
            AuditEvent.case_id.label("case_id"),
            AuditEvent.detail["from"].as_string().label("from_stage"),
            AuditEvent.detail["to"].as_string().label("to_stage"),
            Case.closure_reason.label("closure_reason"),
        )
        .join(Case, Case.id == AuditEvent.case_id)
        .where(
            AuditEvent.event_type == "stage_changed",
            AuditEvent.at >= at(filters.start),
            AuditEvent.at < at(filters.end),
            *case_conditions(filters),
        )
        .cte("stage_changes")
        .prefix_with("MATERIALIZED")  # read each event's JSON once
    )
    from_stage, to_stage = changes.c.from_stage, changes.c.to_stage
    escalated = [
        and_(from_stage == stage, to_stage.in_(later)) for stage, later in ESCALATIONS.items()
    ]
    kind = case(
        (and_(to_stage == "closed", changes.c.closure_reason == "improved"), "improved"),
        *((condition, "escalated") for condition in escalated),
        else_="other",
    )
    return select(changes.c.case_id, from_stage, to_stage, kind.label("kind")).subquery()


def stage_flow(filters: Filters) -> dict[str, dict[str, int]]:
    """Per stage left in the period: exits by kind; per stage entered: ``entered`` counts."""
    sub = stage_exit_subquery(filters)
    stmt = select(sub.c.from_stage, sub.c.to_stage, sub.c.kind, func.count()).group_by(
        sub.c.from_stage, sub.c.to_stage, sub.c.kind
    )
    flow: dict[str, dict[str, int]] = {}
    for from_stage, to_stage, kind, count in current_session().execute(stmt):
        left = flow.setdefault(from_stage, {"improved": 0, "escalated": 0, "other": 0})
        left[kind] += int(count)
        entered = flow.setdefault(to_stage, {"improved": 0, "escalated": 0, "other": 0})
        entered["entered"] = entered.get("entered", 0) + int(count)
    return flow


def decision_subquery(element_id: str, filters: Filters, field: str = "outcome") -> Any:
    """The form field ``field`` of ``element_id`` tasks completed in the period, per task.

    Driven by the tasks table (index on element and completion time); the submitted value is
    read from that task's own ``task_completed`` event, found from the completion time on (the
    event is written just after ``completed_at`` is set), so each lookup reads a few rows.
    """
    value = (
        select(AuditEvent.detail[("data", field)].as_string())
        .where(
            AuditEvent.event_type == "task_completed",
            AuditEvent.at >= Task.completed_at,
            AuditEvent.case_id == Task.case_id,
            AuditEvent.detail["task_id"].as_integer() == Task.id,
        )
        .order_by(AuditEvent.at)
        .limit(1)
        .correlate(Task)
        .scalar_subquery()
    )
    return (
        select(Task.case_id.label("case_id"), value.label("outcome"))
        .join(Case, Case.id == Task.case_id)
        .where(
            Task.element_id == element_id,
            Task.completed_at >= at(filters.start),
            Task.completed_at < at(filters.end),
            Task.status != "cancelled",
            *case_conditions(filters),
        )
        .subquery()
    )


def decisions(element_id: str, filters: Filters, field: str = "outcome") -> dict[str, int]:
    """How often each value of ``field`` was submitted at ``element_id`` in the period.

    Booleans read as ``true``/``false`` on every database (SQLite's JSON gives 1 and 0).
    """
    sub = decision_subquery(element_id, filters, field)
    stmt = (
        select(sub.c.outcome, func.count())
        .where(sub.c.outcome.is_not(None))
        .group_by(sub.c.outcome)
    )
    counts: dict[str, int] = {}
    for value, count in current_session().execute(stmt):
        key = {"1": "true", "0": "false"}.get(str(value), str(value).lower())
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def pn_bucket() -> Any:
    """A penalty notice's outcome bucket (see PN_BUCKETS)."""
    days = date_diff(utc_date(PenaltyNotice.updated_at), PenaltyNotice.issued_on)
    paid = PenaltyNotice.status == "paid"
    return case(
        (and_(paid, days <= 21 + DEEMED_RECEIPT_DAYS), "paid_21"),
        (and_(paid, days <= 28 + DEEMED_RECEIPT_DAYS), "paid_28"),
        (paid, "paid_late"),
        (PenaltyNotice.status == "unpaid", "unpaid"),
        (PenaltyNotice.status == "withdrawn", "withdrawn"),
        else_="outstanding",
    )


def penalty_notice_subquery(filters: Filters) -> Any:
    """Penalty notices issued in the period with their case and outcome bucket."""
    return (
        select(
            PenaltyNotice.id.label("notice_id"),
            PenaltyNotice.case_id.label("case_id"),
            pn_bucket().label("bucket"),
        )
        .join(Case, Case.id == PenaltyNotice.case_id)
        .where(
            PenaltyNotice.issued_on >= filters.date_from,
            PenaltyNotice.issued_on <= filters.date_to,
            *case_conditions(filters),
        )
        .subquery()
    )


def penalty_notices(filters: Filters) -> dict[str, int]:
    """Notices issued in the period per outcome bucket (every bucket present)."""
    sub = penalty_notice_subquery(filters)
    counts = dict.fromkeys(PN_BUCKETS, 0)
    for bucket, count in current_session().execute(
        select(sub.c.bucket, func.count()).group_by(sub.c.bucket)
    ):
        counts[bucket] = int(count)
    return counts


def attendance_subquery(filters: Filters) -> Any:
    """Cases closed in the period with attendance at referral and at closure (percent).

    Driven by the cases closed in the period; each reads its closure task's data.
    """

    def figure(key: str) -> Any:
        return (
            select(Task.data[key].as_float())
            .where(Task.case_id == Case.id, Task.element_id == CLOSURE_TASK)
            .order_by(Task.id.desc())
            .limit(1)
            .correlate(Case)
            .scalar_subquery()
        )

    rows = (
        select(
            Case.id.label("case_id"),
            figure("baseline_attendance_pct").label("baseline"),
            figure("closing_attendance_pct").label("closing"),
        )
        .where(
            Case.closed_at >= at(filters.start),
            Case.closed_at < at(filters.end),
            *case_conditions(filters),
        )
        .cte("closure_figures")
        .prefix_with("MATERIALIZED")  # each correlated lookup once, however often it is used
    )
    return select(rows).where(rows.c.baseline.is_not(None), rows.c.closing.is_not(None)).subquery()


def attendance_change(filters: Filters) -> dict[str, Any]:
    """Mean change in percentage points, how many cases, and how many improved."""
    sub = attendance_subquery(filters)
    change = sub.c.closing - sub.c.baseline
    count, mean, improved, baseline, closing = (
        current_session()
        .execute(
            select(
                func.count(),
                func.avg(change),
                func.sum(case((change > 0, 1), else_=0)),
                func.avg(sub.c.baseline),
                func.avg(sub.c.closing),
            )
        )
        .one()
    )
    return {
        "count": int(count or 0),
        "mean_change": round(float(mean), 1) if mean is not None else None,
        "improved": int(improved or 0),
        "mean_baseline": round(float(baseline), 1) if baseline is not None else None,
        "mean_closing": round(float(closing), 1) if closing is not None else None,
    }


def closures_by_reason(filters: Filters) -> dict[str, int]:
    """Cases closed in the period per closure reason (None: no reason recorded)."""
    stmt = (
        select(Case.closure_reason, func.count())
        .where(
            Case.closed_at >= at(filters.start),
            Case.closed_at < at(filters.end),
            *case_conditions(filters),
        )
        .group_by(Case.closure_reason)
        .order_by(func.count().desc())
    )
    return {reason or "none": int(count) for reason, count in current_session().execute(stmt)}
