"""A task page: the case at a glance, the notification, and the task's form (or a read-only view).

A task completed or taken by someone else in the meantime gets a clear 409 page, not an error.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from app.accounts import permissions
from app.cases import STATUTORY, case_notification, complete_task, get_task, list_assignees
from app.core.errors import AppError, Conflict, NotFound
from app.core.web import reading, transaction
from app.forms import FormError
from app.forms.renderer import render_summary
from app.process_models import version_form
from app.web.blueprint import bp
from app.web.form_pages import form_view, prefill, read_post
from app.web.presenters import stage_label
from app.web.session import require_user

INTAKE_FORM = "notification"


def _load(user: Any, task_id: int) -> dict[str, Any]:
    """The task, its form and the notification's form and data (one read session)."""
    task = get_task(user, task_id)
    version = task.case.model_version
    form = version_form(version, task.form_name) if task.form_name else None
    try:
        intake = version_form(version, INTAKE_FORM)
    except (FormError, NotFound):  # a model without the intake form still shows its tasks
        intake = None
    colleagues = list_assignees(task) if user.role in ("manager", "admin") else []
    return {
        "task": task,
        "form": form,
        "intake": intake,
        "notification": case_notification(task.case),
        "colleagues": colleagues,
    }


def _can_complete(user: Any, task: Any) -> bool:
    return (
        task.status == "open"
        and task.case.status == "open"
        and permissions.can_work_task(user, task)
        and task.assignee_id in (None, user.id)
    )


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
def task(task_id: int) -> Any:
    user = require_user()
    with reading():
        context = _load(user, task_id)
    task, form = context["task"], context["form"]
    data = prefill(form, task.data) if form else {}
    if request.method == "GET":
        return _page(context, user, data, {})
    if not _can_complete(user, task):
        return _conflict(task, _why_not(user, task))
    post = read_post(form, request.form, base=data) if form else None
    if post is not None and not post.ready:
        return _page(context, user, post.data, post.errors, 422 if post.errors else 200)
    try:
        with transaction():
            done = complete_task(
                user,
                task_id=task.id,
                data=post.data if post else {},
                expected_version=request.form.get("expected_version", type=int),
            )
            stage, statutory = done.case.stage, done.case.kind == STATUTORY
    except Conflict as exc:
        return _conflict(task, exc.message)
    except AppError as exc:  # Invalid, or a step the pathway refused (StepFailed): both 422
        if exc.status != 422:
            raise
        errors = getattr(exc, "errors", None) or {"_root": [exc.message]}
        return _page(context, user, post.data if post else {}, errors, 422)
    where = f" The case is now at the {stage_label(stage)} stage." if statutory else ""
    flash(f"“{task.title}” is complete.{where}", "success")
    return redirect(url_for("web.case", case_id=task.case_id))


def _why_not(user: Any, task: Any) -> str:
    if task.status != "open" or task.case.status != "open":
        return "This task has already been completed."
    if task.assignee_id not in (None, user.id):
        who = task.assignee.name if task.assignee else "someone else"
        return f"This task is now assigned to {who}."
    return "You cannot work on this task."


def _conflict(task: Any, message: str) -> Any:
    page = render_template(
        "web/error.html",
        status=409,
        title="This task has changed since you opened it",
        message=message,
        back_url=url_for("web.case", case_id=task.case_id),
        back_text="Go to the case to see what happened",
    )
    return page, 409


def _page(
    context: dict[str, Any], user: Any, data: dict[str, Any], errors: dict[str, Any], status=200
) -> Any:
    task, form = context["task"], context["form"]
    can_complete = _can_complete(user, task)
    view = form_view(form, data, errors) if form and can_complete else None
    answers = render_summary(form, data) if form and not can_complete else None
    intake, notification = context["intake"], context["notification"]
    page = render_template(
        "web/task.html",
        task=task,
        form=form,
        view=view,
        answers=answers,
        can_complete=can_complete,
        can_claim=task.assignee_id is None and permissions.can_work_task(user, task),
        notification=render_summary(intake, notification) if intake and notification else None,
        colleagues=context["colleagues"],
    )
    return page, status
