"""Read-side queries: where cases are now, what is late, and the flow of work over time.

Every function runs a few aggregate SELECTs over the projection tables (cases, tasks,
audit_events, penalty_notices) in the current unit of work; none loads a workflow.  The
``*_subquery`` builders are shared with the drill-down lists (``app.dashboard.drill``), so a
figure and the cases behind it are selected by the same expression.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from app.accounts import School, User
from app.cases import Case, Task
from app.core.uow import current_session
from app.dashboard.filters import Filters, case_conditions
from app.dashboard.sql_time import (
    at,
    bucket_index,
    days_between,
    iso_date_plus_months,
    median_select,
)

#: the user tasks whose first completion ends triage (real pathway, spine placeholder)
TRIAGE_TASKS = ("triage_review", "triage")
#: a timer this late has not been fired by the worker: it is overdue
TIMER_GRACE = timedelta(hours=1)
#: the s127 limitation date: an information must be laid within six months of the offence
LIMITATION_MONTHS = 6
#: "within two months of the limitation date"
LIMITATION_WARNING_MONTHS = 2


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the last day of a shorter month)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def overdue_task_exists(now: datetime) -> Any:
    """Cases with at least one open task past its due date."""
    return (
        select(Task.id)
        .where(Task.case_id == Case.id, Task.status == "open", Task.due_at < at(now))
        .exists()
    )


def timer_overdue(now: datetime) -> Any:
    """Open cases whose earliest timer should have fired more than TIMER_GRACE ago."""
    return and_(Case.status == "open", Case.next_timer_at < at(now - TIMER_GRACE))


def occupancy(filters: Filters, now: datetime) -> dict[str, dict[str, int]]:
    """Per current stage: open cases, cases with an overdue timer, cases stopped by an error."""
    stmt = (
        select(
            Case.stage,
            func.sum(case((Case.status == "open", 1), else_=0)),
            func.sum(case((timer_overdue(now), 1), else_=0)),
            func.sum(case((Case.status == "error", 1), else_=0)),
        )
        .where(Case.status.in_(("open", "error")), *case_conditions(filters))
        .group_by(Case.stage)
    )
    return {
        stage: {"open": int(o or 0), "timer_overdue": int(t or 0), "error": int(e or 0)}
        for stage, o, t, e in current_session().execute(stmt)
    }


def caseload(filters: Filters) -> list[dict[str, Any]]:
    """Open cases per allocated adviser (None: not allocated yet), largest first."""
    stmt = (
        select(Case.adviser_id, User.name, func.count())
        .select_from(Case)
        .outerjoin(User, User.id == Case.adviser_id)
        .where(Case.status == "open", *case_conditions(filters))
        .group_by(Case.adviser_id, User.name)
        .order_by(func.count().desc(), User.name)
    )
    return [
        {"adviser_id": adviser_id, "name": name, "open": int(count)}
        for adviser_id, name, count in current_session().execute(stmt)
    ]


def overdue_tasks(filters: Filters, now: datetime) -> list[dict[str, Any]]:
    """Open tasks past their due date, per case adviser and stage (tasks and distinct cases)."""
    stmt = (
        select(
            Case.adviser_id,
            Case.stage,
            func.count(Task.id),
            func.count(func.distinct(Task.case_id)),
        )
        .select_from(Task)
        .join(Case, Case.id == Task.case_id)
        .where(
            Task.status == "open",
            Task.due_at < at(now),
            Case.status == "open",
            *case_conditions(filters),
        )
        .group_by(Case.adviser_id, Case.stage)
    )
    return [
        {"adviser_id": adviser, "stage": stage, "tasks": int(tasks), "cases": int(cases)}
        for adviser, stage, tasks, cases in current_session().execute(stmt)
    ]


def limitation_subquery(filters: Filters) -> Any:
    """Open legal-stage cases with their limitation date (ISO text), one row per case.

    The pathway stores ``limitation_date`` in the task data once the offence is selected
    (legal.bpmn: end of the offence period + 6 months).  Before that, the offence period's end
    (``offence_period_to``) + LIMITATION_MONTHS is used; the earliest date found on any task
    of the case wins.
    """
    stored = Task.data["limitation_date"].as_string()
    derived = iso_date_plus_months(Task.data["offence_period_to"].as_string(), LIMITATION_MONTHS)
    limitation = func.min(func.coalesce(stored, derived))
    return (
        select(Task.case_id.label("case_id"), limitation.label("limitation_date"))
        .join(Case, Case.id == Task.case_id)
        .where(
            Case.status == "open",
            Case.stage == "legal",
            or_(stored.is_not(None), Task.data["offence_period_to"].as_string().is_not(None)),
            *case_conditions(filters),
        )
        .group_by(Task.case_id)
        .subquery()
    )


def limitation_cutoff(now: datetime) -> str:
    """The last limitation date that counts as "within two months" (ISO)."""
    return add_months(now.date(), LIMITATION_WARNING_MONTHS).isoformat()


def limitation_risk(filters: Filters, now: datetime) -> dict[str, int]:
    """Open legal cases whose limitation date is within two months, and those already past."""
    sub = limitation_subquery(filters)
    today = now.date().isoformat()
    stmt = select(
        func.count(),
        func.sum(case((sub.c.limitation_date < today, 1), else_=0)),
    ).where(sub.c.limitation_date <= limitation_cutoff(now))
    within, past = current_session().execute(stmt).one()
    return {"within": int(within or 0), "past": int(past or 0)}


def weekly_counts(column: Any, filters: Filters, *extra: Any) -> list[int]:
    """Cases per trend bucket by a timestamp column within the period."""
    bucket = bucket_index(column, filters.start, filters.bucket_days).label("bucket")
    stmt = (
        select(bucket, func.count())
        .where(column >= at(filters.start), column < at(filters.end), *extra)
        .where(*case_conditions(filters))
        .group_by(bucket)
    )
    counts = [0] * filters.buckets
    for index, count in current_session().execute(stmt):
        if 0 <= index < len(counts):
            counts[index] = int(count)
    return counts


def notifications_per_bucket(filters: Filters) -> list[int]:
    """Notifications (cases opened) per trend bucket."""
    return weekly_counts(Case.opened_at, filters)


def closures_per_bucket(filters: Filters) -> list[int]:
    """Cases closed per trend bucket (``closed_at`` is only ever set when a case closes)."""
    return weekly_counts(Case.closed_at, filters)


def open_at_start(filters: Filters) -> int:
    """Cases open at the first instant of the period (for the caseload trend line).

    Counted as: open now, plus closed since the start, less opened since the start; each part
    is an index range (a direct "opened before and not closed by" would read most cases).
    """
    start, conditions = at(filters.start), case_conditions(filters)

    def count(*where: Any) -> Any:
        return select(func.count()).where(*where, *conditions).scalar_subquery()

    stmt = select(
        count(Case.status.in_(("open", "error")))
        + count(Case.closed_at >= start)
        - count(Case.opened_at >= start)
    )
    return int(current_session().scalar(stmt) or 0)


def triage_subquery(filters: Filters) -> Any:
    """Cases opened in the period whose triage finished: days taken and whether on time.

    Triage ends when the case's first triage task (TRIAGE_TASKS) is completed; on time means
    by that task's own due date (the pathway's service level, ``dueDays``).
    """
    earlier = aliased(Task)
    first = (
        select(func.min(earlier.id))
        .where(
            earlier.case_id == Case.id,
            earlier.element_id.in_(TRIAGE_TASKS),
            earlier.status == "completed",
        )
        .correlate(Case)
        .scalar_subquery()
    )
    on_time = case((or_(Task.due_at.is_(None), Task.completed_at <= Task.due_at), 1), else_=0)
    return (
        select(
            Case.id.label("case_id"),
            days_between(Task.completed_at, Case.opened_at).label("value"),
            on_time.label("on_time"),
        )
        .join(Task, Task.id == first)
        .where(
            Case.opened_at >= at(filters.start),
            Case.opened_at < at(filters.end),
            *case_conditions(filters),
        )
    )


def triage_time(filters: Filters) -> dict[str, Any]:
    """Median days from notification to the triage decision, how many, and how many on time."""
    rows = triage_subquery(filters)
    median = current_session().scalar(median_select(rows))
    sub = rows.subquery()
    count, on_time = current_session().execute(select(func.count(), func.sum(sub.c.on_time))).one()
    return {
        "median_days": round(float(median), 1) if median is not None else None,
        "count": int(count or 0),
        "on_time": int(on_time or 0),
    }


def filter_options() -> dict[str, list[tuple[Any, str]]]:
    """Schools and advisers for the filter drop-downs."""
    session = current_session()
    schools = session.execute(select(School.urn, School.name).order_by(School.name)).all()
    advisers = session.execute(
        select(User.id, User.name).where(User.role == "adviser", User.active).order_by(User.name)
    ).all()
    return {
        "schools": [(urn, name) for urn, name in schools],
        "advisers": [(user_id, name) for user_id, name in advisers],
    }
