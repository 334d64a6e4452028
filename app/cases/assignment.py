"""Who works a task: releasing it back to its queue, and managers assigning it to a colleague.

(Claiming is :func:`app.cases.services.claim_task`.)  Both changes are audited in the same unit
of work, and the task's version counter turns a concurrent change into a ``Conflict``.
"""

from __future__ import annotations

from typing import Any

from app.accounts import permissions
from app.accounts.models import User
from app.audit import record_event
from app.cases.models import Task
from app.cases.queries import get_task
from app.core.errors import Conflict, Forbidden, Invalid
from app.core.uow import current_session

#: roles that may hand a task to a colleague or take it back from one
ASSIGNERS = frozenset({"manager", "admin"})


def unclaim_task(actor: Any, *, task_id: int) -> Task:
    """Put an open task back in its role's queue (its assignee, or a manager, may do this)."""
    task = get_task(actor, task_id)
    if task.status != "open":
        raise Conflict("This task is no longer open.")
    if task.assignee_id is None:
        raise Conflict("This task is not assigned to anyone.")
    if task.assignee_id != actor.id and actor.role not in ASSIGNERS:
        raise Forbidden("Only the person working on this task or a manager can release it.")
    previous = task.assignee_id
    task.assignee = None
    record_event(
        "task_unclaimed",
        f"Task '{task.title}' returned to the queue",
        case_id=task.case_id,
        actor=actor,
        detail={"task_id": task.id, "element_id": task.element_id, "previous_assignee": previous},
    )
    current_session().flush()
    return task


def assign_task(actor: Any, *, task_id: int, assignee_id: int) -> Task:
    """Give an open task to a colleague who works tasks of its role (managers only)."""
    if actor.role not in ASSIGNERS:
        raise Forbidden("Only managers can assign tasks to colleagues.")
    task = get_task(actor, task_id)
    if task.status != "open":
        raise Conflict("This task is no longer open.")
    assignee = current_session().get(User, assignee_id)
    if assignee is None or not assignee.active or not permissions.can_work_task(assignee, task):
        raise Invalid(
            "Choose someone who can work on this task.",
            {"assignee": [f"Choose a colleague who works on {task.role} tasks"]},
        )
    if task.assignee_id == assignee.id:
        return task
    previous = task.assignee_id
    task.assignee = assignee
    record_event(
        "task_assigned",
        f"Task '{task.title}' assigned to {assignee.name}",
        case_id=task.case_id,
        actor=actor,
        detail={
            "task_id": task.id,
            "element_id": task.element_id,
            "assignee": assignee.id,
            "previous_assignee": previous,
        },
    )
    current_session().flush()
    return task
