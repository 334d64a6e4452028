"""Read-side queries for cases and tasks, always scoped by the actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select

from app.accounts import permissions
from app.accounts.models import User
from app.audit import AuditEvent
from app.cases.models import Case, Task
from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.uow import current_session


@dataclass(frozen=True)
class Page:
    """One page of results."""

    items: list[Any]
    page: int
    per_page: int
    total: int


def _paginate(stmt: Select[Any], page: int, per_page: int) -> Page:
    session = current_session()
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, page, per_page, total)


def list_cases(
    actor: Any,
    *,
    stage: str | None = None,
    status: str | None = None,
    school: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """Cases the actor may see, newest first, filtered."""
    stmt = permissions.scope_cases(select(Case), actor, Case)
    if stage:
        stmt = stmt.where(Case.stage == stage)
    if status:
        stmt = stmt.where(Case.status == status)
    if school:
        stmt = stmt.where(Case.school_urn == school)
    if q and q.strip():
        # Wildcards typed by the user (% and _) are matched literally.
        term = q.strip()
        stmt = stmt.where(
            or_(
                *(
                    column.icontains(term, autoescape=True)
                    for column in (Case.reference, Case.pupil_name, Case.pupil_upn)
                )
            )
        )
    return _paginate(stmt.order_by(Case.opened_at.desc(), Case.id.desc()), page, per_page)


def get_case(actor: Any, case_id: int) -> Case:
    """A case the actor may see; NotFound otherwise (never reveal another school's case)."""
    stmt = permissions.scope_cases(select(Case).where(Case.id == case_id), actor, Case)
    case = current_session().scalars(stmt).first()
    if case is None:
        raise NotFound("No such case.")
    return case


def case_tasks(actor: Any, case: Case, *, status: str | None = "open") -> list[Task]:
    """The case's tasks the actor may see."""
    stmt = select(Task).join(Task.case).where(Task.case_id == case.id)
    if status:
        stmt = stmt.where(Task.status == status)
    stmt = permissions.scope_tasks(stmt, actor, Task, Case)
    return list(current_session().scalars(stmt.order_by(Task.created_at, Task.id)))


#: the milestones of a case a school may see besides its own actions (not the adviser's notes,
#: decisions or safeguarding work)
SCHOOL_VISIBLE_EVENTS = frozenset(
    {"case_started", "stage_changed", "case_closed", "document_generated"}
)


def case_timeline(case: Case, actor: Any = None) -> list[AuditEvent]:
    """The case's audit events the actor may see, oldest first."""
    stmt = select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    events = list(current_session().scalars(stmt))
    if actor is None or actor.role != "school":
        return events
    school_users = set(
        current_session().scalars(select(User.id).where(User.school_urn == actor.school_urn))
    )
    return [
        e
        for e in events
        if e.event_type in SCHOOL_VISIBLE_EVENTS
        or e.actor_id in school_users
        or (e.event_type.startswith("task_") and e.detail.get("role") == "school")
    ]


def list_tasks(
    actor: Any,
    *,
    assigned: str = "all",
    role: str | None = None,
    case_id: int | None = None,
    overdue: bool | None = None,
    status: str = "open",
    page: int = 1,
    per_page: int = 25,
    now: datetime | None = None,
) -> Page:
    """Tasks the actor may see: ``assigned`` is me, unassigned or all."""
    stmt = permissions.scope_tasks(select(Task).join(Task.case), actor, Task, Case)
    if status:
        stmt = stmt.where(Task.status == status)
    if assigned == "me":
        stmt = stmt.where(Task.assignee_id == actor.id)
    elif assigned == "unassigned":
        stmt = stmt.where(Task.assignee_id.is_(None))
        if actor.role in ("adviser", "school", "manager"):
            stmt = stmt.where(Task.role == actor.role)
    if role:
        stmt = stmt.where(Task.role == role)
    if case_id:
        stmt = stmt.where(Task.case_id == case_id)
    if overdue is not None:
        moment = now or utcnow()
        stmt = (
            stmt.where(Task.due_at < moment)
            if overdue
            else stmt.where(or_(Task.due_at.is_(None), Task.due_at >= moment))
        )
    order = (Task.due_at.is_(None), Task.due_at, Task.created_at, Task.id)
    return _paginate(stmt.order_by(*order), page, per_page)


def get_task(actor: Any, task_id: int) -> Task:
    """A task the actor may see; NotFound otherwise."""
    stmt = permissions.scope_tasks(
        select(Task).join(Task.case).where(Task.id == task_id), actor, Task, Case
    )
    task = current_session().scalars(stmt).first()
    if task is None:
        raise NotFound("No such task.")
    return task
