"""The school portal: home (notifications, tasks, drafts), the intake form, the confirmation."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from app.attendance import register_prefill
from app.cases import case_activity, get_case, list_cases, list_tasks, open_case
from app.core.db import utcnow
from app.core.errors import AppError, Conflict
from app.core.web import reading, transaction
from app.forms import is_valid_upn
from app.process_models import latest_version, version_form
from app.school_stage import list_school_stages, notification_prefill, suggested_pupils
from app.web import presenters
from app.web.blueprint import bp
from app.web.form_pages import FormPost, form_view, read_post
from app.web.queries import get_draft, list_drafts
from app.web.school_stage_routes import step_label
from app.web.services import delete_draft, save_draft
from app.web.session import require_role

INTAKE_FORM = "notification"
NOTIFIERS = ("school", "adviser", "admin")


def school_home(user: Any) -> Any:
    """The school's home page: its tasks, saved drafts and notifications with their status."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with reading():
        cases = list_cases(user, page=page, per_page=20)
        activity = case_activity([c.id for c in cases.items])
        tasks = list_tasks(user, per_page=50)
        drafts = list_drafts(user, INTAKE_FORM)
        suggestions = suggested_pupils(user, today=utcnow().date())
        stages = list_school_stages(user)
    statuses = {c.id: presenters.school_status(c, activity.get(c.id)) for c in cases.items}
    return render_template(
        "web/school_home.html",
        cases=cases,
        statuses=statuses,
        tasks=tasks,
        drafts=drafts,
        suggestions=suggestions,
        stages=[
            s for s in stages if s.status == "open" or (s.result or {}).get("outcome") == "refer"
        ],
        step_label=step_label,
        pages=max(1, -(-cases.total // cases.per_page)),
    )


def _intake_form() -> Any:
    version = latest_version(current_app.config["CASE_PROCESS_MODEL"])
    if version is None:
        raise Conflict("The attendance pathway has not been deployed yet.")
    return version_form(version, INTAKE_FORM)


def _fixed_school(user: Any) -> dict[str, Any]:
    """The school details a school user cannot change (its own URN, name and LAESTAB)."""
    if user.role != "school" or user.school is None:
        return {}
    school = {"urn": user.school.urn, "name": user.school.name}
    if user.school.laestab:
        school["laestab"] = user.school.laestab
    return {"school": school}


def _starting_data(user: Any, upn: str | None = None) -> dict[str, Any]:
    data = {**_fixed_school(user), "referrer": {"name": user.name, "email": user.email}}
    if upn and user.role == "school" and is_valid_upn(upn):
        data["pupil"] = {"upn": upn}
        with reading():
            figures = register_prefill(urn=user.school_urn, upn=upn, today=utcnow().date())
        if figures:
            data["attendance"] = figures
    return data


def _from_school_stage(user: Any, stage_id: int) -> dict[str, Any]:
    """The notification a referring school stage fills in, with the school and the referrer."""
    with reading():
        prefill = notification_prefill(user, stage_id, today=utcnow().date())
    referrer = {"name": user.name, "email": user.email}
    return {**prefill, **_fixed_school(user), "referrer": referrer}


@bp.route("/notify", methods=["GET", "POST"])
def notify() -> Any:
    user = require_role(*NOTIFIERS)
    draft_id = request.args.get("draft", type=int)
    with reading():
        form = _intake_form()
        draft = get_draft(user, draft_id, INTAKE_FORM) if draft_id else None
    readonly = frozenset({"school"}) if user.role == "school" else frozenset()
    if request.method == "GET":
        upn = (request.args.get("upn") or "").strip().upper() or None
        stage_id = request.args.get("school_stage", type=int)
        if draft:
            data = {**draft.data, **_fixed_school(user)}
        elif stage_id:
            data = _from_school_stage(user, stage_id)
        else:
            data = _starting_data(user, upn)
        return _notify_page(form, data, {}, readonly, draft_id)
    post = read_post(form, request.form, base=_fixed_school(user), readonly=readonly)
    if post.action == "save":
        with transaction():
            save_draft(user, form_key=INTAKE_FORM, data=post.data, draft_id=draft_id)
        flash(
            "Your notification has been saved. You can come back to it from this page.", "success"
        )
        return redirect(url_for("web.home"))
    if post.ready:
        sent = _send(user, post, draft_id)
        if sent is not None:
            return redirect(url_for("web.notification_sent", case_id=sent))
    status = 422 if post.errors else 200
    return _notify_page(form, post.data, post.errors, readonly, draft_id, status)


def _send(user: Any, post: FormPost, draft_id: int | None) -> int | None:
    """Open the case (and drop the draft) in one transaction; None with errors kept on failure."""
    try:
        with transaction():
            case = open_case(user, data=post.data)
            if draft_id:
                delete_draft(user, draft_id=draft_id)
            return case.id
    except AppError as exc:  # Invalid, or a step the pathway refused (StepFailed): both 422
        if exc.status != 422:
            raise
        post.errors = getattr(exc, "errors", None) or {"_root": [exc.message]}
        return None


def _notify_page(
    form: Any,
    data: dict[str, Any],
    errors: dict[str, list[str]],
    readonly: frozenset[str],
    draft_id: int | None,
    status: int = 200,
) -> Any:
    view = form_view(form, data, errors, readonly)
    page = render_template(
        "web/notify.html", form=form, view=view, draft_id=draft_id, can_save=True
    )
    return page, status


@bp.get("/notify/sent/<int:case_id>")
def notification_sent(case_id: int) -> Any:
    user = require_role(*NOTIFIERS)
    with reading():
        case = get_case(user, case_id)
    return render_template("web/notification_sent.html", case=case)


@bp.post("/drafts/<int:draft_id>/delete")
def discard_draft(draft_id: int) -> Any:
    user = require_role(*NOTIFIERS)
    with transaction():
        delete_draft(user, draft_id=draft_id)
    flash("The saved notification has been deleted.", "success")
    return redirect(url_for("web.home"))
