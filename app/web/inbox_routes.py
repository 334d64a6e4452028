"""The adviser inbox (managers see it read-only) and the claim / release / assign buttons."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from app.cases import (
    INBOX_TABS,
    InboxFilters,
    assign_task,
    claim_task,
    count_inbox,
    inbox_choices,
    list_assignees,
    list_inbox,
    unclaim_task,
)
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid
from app.core.web import reading, transaction
from app.web import presenters
from app.web.blueprint import bp
from app.web.session import STAFF, require_role, safe_next

SORTS = ("due", "-due")


def _filters(args: Any, stages: list[str]) -> InboxFilters:
    stage = args.get("stage") or None
    return InboxFilters(
        stage=stage if stage in stages else None,
        school=(args.get("school") or "").strip() or None,
        element_id=(args.get("task") or "").strip() or None,
        overdue=args.get("overdue") == "1",
    )


def _query(tab: str, filters: InboxFilters, sort: str) -> dict[str, str]:
    """The inbox's query arguments (for links that keep the tab, filters and sort)."""
    values = {
        "tab": tab,
        "stage": filters.stage,
        "school": filters.school,
        "task": filters.element_id,
        "overdue": "1" if filters.overdue else None,
        "sort": sort if sort != "due" else None,
    }
    return {key: value for key, value in values.items() if value}


def _default_tab(user: Any, counts: dict[str, int]) -> str:
    """Advisers land on their own tasks when they have some, else on their role's queue."""
    if user.role != "adviser":
        return "all"
    return "mine" if counts["mine"] else "unassigned"


def inbox_page(user: Any, args: Any) -> Any:
    """One tab of the inbox with its filters, counts, sorting and pagination."""
    now = utcnow()
    filters = _filters(args, current_app.config["STAGES"])
    sort = args.get("sort") if args.get("sort") in SORTS else "due"
    page = max(1, args.get("page", 1, type=int) or 1)
    per_page = int(current_app.config["INBOX_PAGE_SIZE"])
    with reading():
        counts = count_inbox(user, filters=filters, now=now)
        tab = args.get("tab") if args.get("tab") in INBOX_TABS else _default_tab(user, counts)
        rows = list_inbox(
            user, tab=tab, filters=filters, sort=sort, page=page, per_page=per_page, now=now
        )
        choices = inbox_choices(user)
        colleagues = _colleagues(user, rows.items)
    return render_template(
        "web/inbox.html",
        tab=tab,
        counts=counts,
        rows=rows,
        pages=max(1, -(-rows.total // rows.per_page)),
        filters=filters,
        sort=sort,
        query=_query(tab, filters, sort),
        choices=choices,
        stages=current_app.config["STAGES"],
        colleagues=colleagues,
        now=now,
        presenters=presenters,
        here=request.full_path.rstrip("?"),
    )


def _colleagues(user: Any, tasks: list[Any]) -> dict[str, list[Any]]:
    """People each shown task could be assigned to, by role (managers only)."""
    if user.role not in ("manager", "admin"):
        return {}
    by_role: dict[str, list[Any]] = {}
    for task in tasks:
        if task.role not in by_role and task.role != "school":
            by_role[task.role] = list_assignees(task)
    return by_role


@bp.get("/inbox")
def inbox() -> Any:
    return inbox_page(require_role(*STAFF), request.args)


def _back() -> Any:
    return redirect(safe_next(request.form.get("next")) or url_for("web.inbox"))


@bp.post("/tasks/<int:task_id>/claim")
def claim(task_id: int) -> Any:
    user = require_role(*STAFF, "school")
    try:
        with transaction():
            task = claim_task(user, task_id=task_id)
        flash(f"You have claimed “{task.title}” for {task.case.pupil_name}.", "success")
    except Conflict as exc:
        flash(f"{exc.message} Nothing was changed.", "important")
    return _back()


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim(task_id: int) -> Any:
    user = require_role(*STAFF, "school")
    try:
        with transaction():
            task = unclaim_task(user, task_id=task_id)
        flash(f"“{task.title}” for {task.case.pupil_name} is back in the queue.", "success")
    except Conflict as exc:
        flash(f"{exc.message} Nothing was changed.", "important")
    return _back()


@bp.post("/tasks/<int:task_id>/assign")
def assign(task_id: int) -> Any:
    user = require_role(*STAFF)
    assignee = request.form.get("assignee", type=int)
    try:
        with transaction():
            task = assign_task(user, task_id=task_id, assignee_id=assignee or 0)
            who = task.assignee.name if task.assignee else "nobody"
        flash(f"“{task.title}” for {task.case.pupil_name} is now assigned to {who}.", "success")
    except Invalid as exc:
        message = next(iter(exc.errors.values()), [exc.message])[0]
        flash(f"{message}. Nothing was changed.", "important")
    except Conflict as exc:
        flash(f"{exc.message} Nothing was changed.", "important")
    return _back()
