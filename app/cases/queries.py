"""Read-side queries for cases and tasks, always scoped by the actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import defer

from app.accounts import permissions
from app.accounts.models import School, User
from app.audit import AuditEvent
from app.cases.models import STATUTORY, Case, Task
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
    stmt = permissions.scope_cases(select(Case), actor, Case).where(Case.kind == STATUTORY)
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


# --- the adviser inbox (projection tables only: tasks, cases, schools) -----------------------

INBOX_TABS = ("mine", "unassigned", "all")


@dataclass(frozen=True)
class InboxFilters:
    """Filters the inbox tabs share: stage, school URN, task type (BPMN element id), overdue."""

    stage: str | None = None
    school: str | None = None
    element_id: str | None = None
    overdue: bool = False


def _inbox_base(actor: Any, filters: InboxFilters, now: datetime, *columns: Any) -> Select[Any]:
    stmt = permissions.scope_tasks(select(*(columns or (Task,))).join(Task.case), actor, Task, Case)
    stmt = stmt.where(Task.status == "open")
    if filters.stage:
        stmt = stmt.where(Case.stage == filters.stage)
    if filters.school:
        stmt = stmt.where(Case.school_urn == filters.school)
    if filters.element_id:
        stmt = stmt.where(Task.element_id == filters.element_id)
    if filters.overdue:
        stmt = stmt.where(Task.due_at < now)
    return stmt


def _tab_condition(actor: Any, tab: str) -> Any:
    """The tab's condition: assigned to me, or unassigned for my role (admins: any role)."""
    if tab == "mine":
        return Task.assignee_id == actor.id
    if tab == "unassigned":
        unassigned = Task.assignee_id.is_(None)
        return unassigned if actor.role == "admin" else unassigned & (Task.role == actor.role)
    return None


def list_inbox(
    actor: Any,
    *,
    tab: str = "mine",
    filters: InboxFilters | None = None,
    sort: str = "due",
    page: int = 1,
    per_page: int = 25,
    now: datetime | None = None,
) -> Page:
    """One page of a tab of the inbox; ``sort`` is ``due`` (soonest first) or ``-due``."""
    stmt = _inbox_base(actor, filters or InboxFilters(), now or utcnow())
    condition = _tab_condition(actor, tab)
    if condition is not None:
        stmt = stmt.where(condition)
    due = Task.due_at.desc() if sort == "-due" else Task.due_at.asc()
    order = (Task.due_at.is_(None), due, Task.created_at, Task.id)
    return _paginate(stmt.order_by(*order), page, per_page)


def count_inbox(
    actor: Any, *, filters: InboxFilters | None = None, now: datetime | None = None
) -> dict[str, int]:
    """How many tasks each tab holds with the same filters (one query)."""
    columns = (Task.assignee_id, Task.role)
    base = _inbox_base(actor, filters or InboxFilters(), now or utcnow(), *columns).subquery()
    task = base.c
    mine = func.coalesce(func.sum(case((task.assignee_id == actor.id, 1), else_=0)), 0)
    unassigned_if = task.assignee_id.is_(None)
    if actor.role != "admin":
        unassigned_if = unassigned_if & (task.role == actor.role)
    unassigned = func.coalesce(func.sum(case((unassigned_if, 1), else_=0)), 0)
    row = current_session().execute(select(mine, unassigned, func.count()).select_from(base)).one()
    return {"mine": int(row[0]), "unassigned": int(row[1]), "all": int(row[2])}


def inbox_choices(actor: Any) -> dict[str, list[tuple[str, str]]]:
    """Filter choices: schools (URN, name) and task types (element id, title) of open tasks."""
    stmt = permissions.scope_tasks(
        select(Task.element_id, func.min(Task.title)).join(Task.case), actor, Task, Case
    )
    stmt = stmt.where(Task.status == "open").group_by(Task.element_id).order_by(Task.element_id)
    types = [(row[0], row[1]) for row in current_session().execute(stmt)]
    schools = permissions.scope_cases(
        select(School.urn, School.name).join(Case, Case.school_urn == School.urn), actor, Case
    )
    schools = schools.distinct().order_by(School.name)
    return {
        "schools": [(row[0], row[1]) for row in current_session().execute(schools)],
        "task_types": types,
    }


def list_assignees(task: Task) -> list[User]:
    """Active people who could work ``task`` (its role), by name, for "assign to a colleague"."""
    stmt = select(User).where(User.role == task.role, User.active.is_(True))
    if task.role == "school":
        stmt = stmt.where(User.school_urn == task.case.school_urn)
    return list(current_session().scalars(stmt.order_by(User.name, User.id)))


@dataclass(frozen=True)
class CaseActivity:
    """What is happening on a case, for plain-words status: open tasks by role, any claimed."""

    open_roles: frozenset[str]
    claimed: bool


def case_activity(case_ids: list[int]) -> dict[int, CaseActivity]:
    """Open-task facts per case (the caller has already scoped the cases to the actor)."""
    if not case_ids:
        return {}
    stmt = select(Task.case_id, Task.role, Task.assignee_id).where(
        Task.case_id.in_(case_ids), Task.status == "open"
    )
    roles: dict[int, set[str]] = {case_id: set() for case_id in case_ids}
    claimed: set[int] = set()
    for case_id, role, assignee_id in current_session().execute(stmt):
        roles[case_id].add(role)
        if assignee_id is not None:
            claimed.add(case_id)
    return {cid: CaseActivity(frozenset(r), cid in claimed) for cid, r in roles.items()}


def case_notification(case: Case) -> dict[str, Any]:
    """The notification the case was opened with (from its ``case_started`` audit event)."""
    stmt = (
        select(AuditEvent.detail)
        .where(AuditEvent.case_id == case.id, AuditEvent.event_type == "case_started")
        .order_by(AuditEvent.id)
        .limit(1)
    )
    detail = current_session().scalar(stmt)
    notification = detail.get("notification") if isinstance(detail, dict) else None
    return notification if isinstance(notification, dict) else {}


@dataclass(frozen=True)
class CaseSearch:
    """A manager's case list: free text, filters and, optionally, the cases behind a figure."""

    #: matched against the reference, the pupil's name and UPN, and the school's name or URN
    q: str | None = None
    school: str | None = None
    adviser_id: int | None = None
    #: only cases no adviser is allocated to (``adviser_id`` is then ignored)
    unallocated: bool = False
    stage: str | None = None
    status: str | None = None
    #: a SELECT of case ids to stay within (e.g. a dashboard figure's cases)
    within: Any = None
    #: further conditions on ``Case`` (e.g. a dashboard's filters)
    where: tuple[Any, ...] = ()


def _search_conditions(search: CaseSearch) -> list[Any]:
    conditions: list[Any] = []
    if search.q and search.q.strip():
        term = search.q.strip()  # % and _ typed by the user are matched literally
        schools = select(School.urn).where(
            or_(School.name.icontains(term, autoescape=True), School.urn == term)
        )
        columns = (Case.reference, Case.pupil_name, Case.pupil_upn)
        conditions.append(
            or_(
                *(column.icontains(term, autoescape=True) for column in columns),
                Case.school_urn.in_(schools),
            )
        )
    if search.school:
        conditions.append(Case.school_urn == search.school)
    if search.unallocated:
        conditions.append(Case.adviser_id.is_(None))
    elif search.adviser_id is not None:
        conditions.append(Case.adviser_id == search.adviser_id)
    if search.stage:
        conditions.append(Case.stage == search.stage)
    if search.status:
        conditions.append(Case.status == search.status)
    if search.within is not None:
        conditions.append(Case.id.in_(search.within))
    conditions.extend(search.where)
    return conditions


def search_cases(actor: Any, search: CaseSearch, *, page: int = 1, per_page: int = 50) -> Page:
    """Cases the actor may see matching ``search``, newest first (workflow state not loaded)."""
    stmt = permissions.scope_cases(select(Case), actor, Case).where(
        Case.kind == STATUTORY, *_search_conditions(search)
    )
    stmt = stmt.options(defer(Case.state), defer(Case.waiting_messages))
    return _paginate(stmt.order_by(Case.opened_at.desc(), Case.id.desc()), page, per_page)


#: the columns of the case-list CSV export, in order
EXPORT_COLUMNS = (
    "reference",
    "pupil_name",
    "upn",
    "school_urn",
    "school",
    "stage",
    "status",
    "adviser",
    "opened_at",
    "closed_at",
    "closure_reason",
)


def export_case_rows(actor: Any, search: CaseSearch) -> list[tuple[Any, ...]]:
    """Every matching case the actor may see, as EXPORT_COLUMNS tuples (newest first)."""
    stmt = (
        select(
            Case.reference,
            Case.pupil_name,
            Case.pupil_upn,
            Case.school_urn,
            School.name,
            Case.stage,
            Case.status,
            User.name,
            Case.opened_at,
            Case.closed_at,
            Case.closure_reason,
        )
        .join(School, School.urn == Case.school_urn)
        .outerjoin(User, User.id == Case.adviser_id)
        .where(Case.kind == STATUTORY, *_search_conditions(search))
        .order_by(Case.opened_at.desc(), Case.id.desc())
    )
    stmt = permissions.scope_cases(stmt, actor, Case)
    return [tuple(row) for row in current_session().execute(stmt)]
