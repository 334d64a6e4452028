"""The cases behind each dashboard figure: ``kpi`` (+ ``arg``) -> a SELECT of case ids.

Each entry reuses the expression its figure is counted with (``queries``/``outcomes``), so the
list a figure links to has exactly the cases the figure counts (penalty notices are counted per
notice, so their list shows the cases holding those notices).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select

from app.cases import Case, Task
from app.core.errors import Invalid
from app.dashboard import outcomes, queries
from app.dashboard.filters import UNALLOCATED, Filters, case_conditions
from app.dashboard.sql_time import at

#: kpi -> a phrase for the list's heading
LABELS = {
    "all": "All cases",
    "open": "Open cases",
    "error": "Cases stopped by an error",
    "caseload": "Open cases of an adviser",
    "overdue_tasks": "Open cases with an overdue task",
    "overdue_timers": "Open cases with an overdue timer",
    "limitation": "Legal cases near the limitation date",
    "notified": "Notifications received",
    "closed": "Cases closed",
    "triage": "Cases triaged",
    "exit": "Cases leaving a stage",
    "entered": "Cases entering a stage",
    "nti": "Notice-to-improve reviews",
    "pn": "Cases with penalty notices issued",
    "attendance": "Closed cases with attendance figures",
    "waiting": "Open cases waiting at a step of the diagram",
}


def _ids(*conditions: Any) -> Select[Any]:
    return select(Case.id).where(*conditions)


def _all(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    return _ids(*case_conditions(filters))


def _open(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    stage = [Case.stage == arg] if arg else []
    return _ids(Case.status == "open", *stage, *case_conditions(filters))


def _error(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    stage = [Case.stage == arg] if arg else []
    return _ids(Case.status == "error", *stage, *case_conditions(filters))


def _caseload(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    adviser = int(arg) if arg and arg.isdigit() else UNALLOCATED
    scoped = replace(filters, adviser=adviser)
    return _ids(Case.status == "open", *case_conditions(scoped))


def _overdue_tasks(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    stage = [Case.stage == arg] if arg else []
    return _ids(
        Case.status == "open",
        queries.overdue_task_exists(now),
        *stage,
        *case_conditions(filters),
    )


def _overdue_timers(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    stage = [Case.stage == arg] if arg else []
    return _ids(queries.timer_overdue(now), *stage, *case_conditions(filters))


def _limitation(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    sub = queries.limitation_subquery(filters)
    condition = sub.c.limitation_date <= queries.limitation_cutoff(now)
    if arg == "past":
        condition = and_(condition, sub.c.limitation_date < now.date().isoformat())
    return select(sub.c.case_id).where(condition)


def _notified(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    scoped = _bucket(filters, arg)
    return _ids(
        Case.opened_at >= at(scoped.start),
        Case.opened_at < at(scoped.end),
        *case_conditions(scoped),
    )


def _closed(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    bucket, _, reason = (arg or "").partition(":")
    scoped = _bucket(filters, bucket or None)
    reasons = [] if not reason else [Case.closure_reason == reason]
    if reason == "none":
        reasons = [Case.closure_reason.is_(None)]
    return _ids(
        Case.status == "closed",
        Case.closed_at >= at(scoped.start),
        Case.closed_at < at(scoped.end),
        *reasons,
        *case_conditions(scoped),
    )


def _triage(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    sub = queries.triage_subquery(filters).subquery()
    late = [sub.c.on_time == 0] if arg == "late" else []
    return select(sub.c.case_id).where(*late)


def _exit(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    stage, _, kind = (arg or "").partition(":")
    sub = outcomes.stage_exit_subquery(filters)
    kinds = [sub.c.kind == kind] if kind and kind != "all" else []
    return select(sub.c.case_id).where(sub.c.from_stage == stage, *kinds)


def _entered(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    sub = outcomes.stage_exit_subquery(filters)
    return select(sub.c.case_id).where(sub.c.to_stage == (arg or ""))


def _nti(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    sub = outcomes.decision_subquery(outcomes.NTI_REVIEW_TASK, filters)
    chosen = sub.c.outcome == arg if arg else sub.c.outcome.is_not(None)
    return select(sub.c.case_id).where(chosen)


def _pn(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    sub = outcomes.penalty_notice_subquery(filters)
    return select(sub.c.case_id).where(*([sub.c.bucket == arg] if arg else []))


def _attendance(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    sub = outcomes.attendance_subquery(filters)
    improved = [sub.c.closing > sub.c.baseline] if arg == "improved" else []
    return select(sub.c.case_id).where(*improved)


def _waiting(filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    """Open cases with an open task at diagram element ``arg`` (the process map's counts)."""
    at_element = (
        select(Task.id)
        .where(Task.case_id == Case.id, Task.status == "open", Task.element_id == (arg or ""))
        .exists()
    )
    return _ids(Case.status == "open", at_element, *case_conditions(filters))


def _bucket(filters: Filters, arg: str | None) -> Filters:
    """The filters narrowed to trend bucket ``arg`` (an index), or unchanged."""
    if arg is None or not arg.isdigit() or int(arg) >= filters.buckets:
        return filters
    return filters.with_period(*filters.bucket_range(int(arg)))


KPIS: dict[str, Callable[[Filters, datetime, str | None], Select[Any]]] = {
    "all": _all,
    "open": _open,
    "error": _error,
    "caseload": _caseload,
    "overdue_tasks": _overdue_tasks,
    "overdue_timers": _overdue_timers,
    "limitation": _limitation,
    "notified": _notified,
    "closed": _closed,
    "triage": _triage,
    "exit": _exit,
    "entered": _entered,
    "nti": _nti,
    "pn": _pn,
    "attendance": _attendance,
    "waiting": _waiting,
}


def kpi_case_ids(kpi: str, filters: Filters, now: datetime, arg: str | None) -> Select[Any]:
    """The ids of the cases behind figure ``kpi`` (``arg`` narrows it); Invalid if unknown."""
    builder = KPIS.get(kpi)
    if builder is None:
        raise Invalid(f"There is no figure called {kpi!r}.")
    return builder(filters, now, arg)
