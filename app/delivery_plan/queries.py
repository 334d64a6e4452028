"""Reading the delivery plan: the tree, one action with its history, and the RAG summary."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.errors import NotFound
from app.core.uow import current_session
from app.delivery_plan.models import STATUSES, PlanAction, PlanEnabler, PlanObjective


def plan_tree() -> list[PlanEnabler]:
    """Every enabler with its objectives and actions, in the plan's order."""
    stmt = (
        select(PlanEnabler)
        .options(selectinload(PlanEnabler.objectives).selectinload(PlanObjective.actions))
        .order_by(PlanEnabler.position, PlanEnabler.name)
    )
    return list(current_session().scalars(stmt))


def get_action(action_id: int) -> PlanAction:
    """One action (with its objective and history); NotFound otherwise."""
    action = current_session().get(PlanAction, action_id)
    if action is None:
        raise NotFound("No such action in the delivery plan.")
    return action


def is_overdue(action: PlanAction, today: date) -> bool:
    """Past its due date and not completed (shown beside the manager's own RAG rating)."""
    return action.due_on is not None and action.due_on < today and action.status != "completed"


def rag_summary(today: date | None = None) -> dict[str, Any]:
    """Counts of actions by RAG status, overall and per enabler, and how many are overdue."""
    session = current_session()
    rows = session.execute(
        select(PlanEnabler.name, PlanAction.status, func.count())
        .join(PlanObjective, PlanObjective.enabler_id == PlanEnabler.id)
        .join(PlanAction, PlanAction.objective_id == PlanObjective.id)
        .group_by(PlanEnabler.name, PlanEnabler.position, PlanAction.status)
        .order_by(PlanEnabler.position, PlanEnabler.name)
    ).all()
    by_enabler: dict[str, dict[str, int]] = {}
    for name, status, count in rows:
        by_enabler.setdefault(name, dict.fromkeys(STATUSES, 0))[status] = int(count)
    total = dict.fromkeys(STATUSES, 0)
    for counts in by_enabler.values():
        for status, count in counts.items():
            total[status] += count
    overdue = 0
    if today is not None:
        overdue = (
            session.scalar(
                select(func.count())
                .select_from(PlanAction)
                .where(PlanAction.due_on < today, PlanAction.status != "completed")
            )
            or 0
        )
    return {
        "total": sum(total.values()),
        "by_status": total,
        "by_enabler": [
            {"enabler": name, "total": sum(c.values()), "by_status": c}
            for name, c in by_enabler.items()
        ],
        "overdue": int(overdue),
    }
