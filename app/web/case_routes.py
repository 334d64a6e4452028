"""Case pages: the list (staff), one case (pupil, parents, flags, tasks, attendance chart,
documents, attachments, chronology), and adding or downloading attachments."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, render_template, request, send_file, url_for

from app.attachments import (
    add_attachment,
    attachment_path,
    can_add_attachments,
    get_attachment,
    list_case_attachments,
)
from app.attendance import band_classifier
from app.attendance.queries import list_pupil_marks
from app.cases import (
    StepFailed,
    case_notification,
    case_tasks,
    case_timeline,
    get_case,
    list_cases,
    send_message,
)
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotFound
from app.core.web import reading, transaction
from app.documents import list_case_documents
from app.forms import FormError
from app.forms.fields import field_label
from app.forms.renderer import render_summary
from app.process_models import version_form
from app.web import charts, presenters
from app.web.blueprint import bp
from app.web.presenters import local
from app.web.session import STAFF, require_role, require_user

INTAKE_FORM = "notification"
#: the documents feature serves letters (scoped to the case's readers) at this API path
DOCUMENT_DOWNLOAD = "/api/v1/documents/{id}/download"
#: the kind of a school-stage workflow row (see app.school_stage)
SCHOOL_STAGE = "school_stage"
#: the message that refers a case to a multi-agency panel (bpmn/attendance_case/panel.bpmn)
PANEL_MESSAGE = "panel_referral"
CHART_WEEKS = 26


@bp.get("/cases")
def cases() -> Any:
    user = require_role(*STAFF)
    stage = request.args.get("stage") or None
    status = request.args.get("status", "open")
    q = (request.args.get("q") or "").strip()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with reading():
        found = list_cases(
            user,
            stage=stage if stage in current_app.config["STAGES"] else None,
            status=status if status in ("open", "closed", "error") else None,
            q=q or None,
            page=page,
            per_page=25,
        )
    args = {k: v for k, v in {"stage": stage, "status": status, "q": q}.items() if v}
    return render_template(
        "web/cases.html",
        found=found,
        pages=max(1, -(-found.total // found.per_page)),
        args=args,
        stage=stage,
        status=status,
        q=q,
        stages=current_app.config["STAGES"],
    )


def _intake(case: Any) -> Any:
    try:
        return version_form(case.model_version, INTAKE_FORM)
    except (FormError, NotFound):
        return None


def _flags(intake: Any, notification: dict[str, Any]) -> list[str]:
    """The names of the vulnerability flags the school ticked."""
    flags = notification.get("flags") if isinstance(notification.get("flags"), dict) else {}
    schema = (intake.schema["properties"].get("flags") if intake else None) or {}
    properties = schema.get("properties", {})
    return [field_label(properties.get(k, {}), {}, k) for k, v in flags.items() if v is True]


def _chart(case: Any, notification: dict[str, Any]) -> Any:
    """Weekly attendance from stored marks, else the notification's own figure."""
    attendance = notification.get("attendance") or {}
    today = local(utcnow()).date()
    try:
        start = date.fromisoformat(str(attendance.get("period_from")))
    except ValueError:
        start = today - timedelta(weeks=CHART_WEEKS)
    points = charts.weekly_points(list_pupil_marks(case.pupil_upn, start, today))
    if points:
        return charts.build_chart(points, "the school's register marks")
    return charts.build_chart(charts.notification_point(attendance), "the notification")


def _case_context(user: Any, case_id: int) -> dict[str, Any]:
    case = get_case(user, case_id)
    notification = case_notification(case)
    intake = _intake(case)
    links = {
        "document": lambda i: DOCUMENT_DOWNLOAD.format(id=i),
        "attachment": lambda i: url_for("web.attachment", case_id=case.id, attachment_id=i),
    }
    return {
        "case": case,
        "notification": notification,
        "pupil": notification.get("pupil") or {},
        "parents": [p for p in notification.get("parents") or [] if isinstance(p, dict)],
        "flags": _flags(intake, notification),
        "attendance": notification.get("attendance") or {},
        "details": render_summary(intake, notification) if intake and notification else None,
        "tasks": case_tasks(user, case),
        "chart": _chart(case, notification),
        "documents": list_case_documents(case.id),
        "document_url": links["document"],
        "attachments": list_case_attachments(case.id),
        "timeline": presenters.timeline_entries(case_timeline(case, user), links),
        "can_attach": can_add_attachments(user),
        "panel": _panel_referral(user, case, notification),
    }


#: what a panel referral may give as its reason (the panel diagram checks it too)
PANEL_REASONS = (
    ("severe_absence", "Severe absence"),
    ("stalled", "The pathway has stalled"),
    ("children_missing_education", "Child may be missing education"),
    ("other", "Another reason"),
)


def _panel_referral(user: Any, case: Any, notification: dict[str, Any]) -> dict[str, Any] | None:
    """Whether the case can go to a multi-agency panel now, and why it is recommended."""
    if user.role not in ("adviser", "manager", "admin") or case.status != "open":
        return None
    if PANEL_MESSAGE not in (case.waiting_messages or []):
        return None
    reasons = []
    attendance = notification.get("attendance") or {}
    possible = attendance.get("possible_sessions") or 0
    if possible:
        pct = round(100.0 * (attendance.get("attended_sessions") or 0) / possible, 1)
        if band_classifier()(pct) == "severe":
            reasons.append(f"severe absence ({pct}% in the notification)")
    stalled_days = int(current_app.config["PANEL_STALLED_DAYS"])
    done = [t.completed_at for t in case_tasks(user, case, status="completed") if t.completed_at]
    last_at = max(done, default=case.opened_at)
    if local(utcnow()) - local(last_at) > timedelta(days=stalled_days):
        reasons.append(f"no task completed for more than {stalled_days} days")
    return {"reasons": PANEL_REASONS, "recommended": reasons}


@bp.post("/cases/<int:case_id>/panel-referral")
def refer_to_panel(case_id: int) -> Any:
    user = require_role("adviser", "manager", "admin")
    reason = request.form.get("reason", "")
    details = request.form.get("details", "").strip()[:2000]
    if reason not in dict(PANEL_REASONS):
        flash("Choose why the case is being referred to a panel.", "error")
        return redirect(url_for("web.case", case_id=case_id) + "#panel")
    try:
        with transaction():
            send_message(
                user,
                case_id=case_id,
                name=PANEL_MESSAGE,
                payload={"reason": reason, "details": details},
            )
    except (
        Conflict,
        Invalid,
        StepFailed,
    ) as exc:  # not waiting any more, or refused by the diagram
        flash(exc.message, "error")
        return redirect(url_for("web.case", case_id=case_id) + "#panel")
    flash(
        "The case has been referred to a multi-agency panel: arrange the panel from its task.",
        "success",
    )
    return redirect(url_for("web.case", case_id=case_id))


def _case_page(user: Any, case_id: int, errors: list[tuple[str, str]], status: int = 200) -> Any:
    with reading():
        context = _case_context(user, case_id)
    return render_template("web/case.html", upload_errors=errors, **context), status


@bp.get("/cases/<int:case_id>")
def case(case_id: int) -> Any:
    user = require_user()
    with reading():
        kind = get_case(user, case_id).kind
    if kind == SCHOOL_STAGE:  # a school's own process has its own page
        return redirect(url_for("web.school_stage", stage_id=case_id))
    return _case_page(user, case_id, [])


@bp.post("/cases/<int:case_id>/attachments")
def upload_attachment(case_id: int) -> Any:
    user = require_user()
    upload = request.files.get("file")
    limit = int(current_app.config["ATTACHMENT_MAX_BYTES"])
    try:
        with transaction():
            attachment = add_attachment(
                user,
                case_id=case_id,
                filename=upload.filename if upload else None,
                content=upload.stream.read(limit + 1) if upload else b"",
                storage_dir=_storage_dir(),
                max_bytes=limit,
            )
    except Invalid as exc:
        messages = [m for ms in exc.errors.values() for m in ms] or [exc.message]
        return _case_page(user, case_id, [("file", m) for m in messages], 422)
    flash(f"“{attachment.filename}” has been added to the case.", "success")
    return redirect(url_for("web.case", case_id=case_id, _anchor="attachments"))


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
def attachment(case_id: int, attachment_id: int) -> Any:
    user = require_user()
    with reading():
        found = get_attachment(user, case_id, attachment_id)
    path = attachment_path(_storage_dir(), found)
    if not path.is_file():
        raise NotFound("The file is missing from storage.")
    response = send_file(
        path, mimetype=found.content_type, as_attachment=True, download_name=found.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _storage_dir() -> Path:
    """Attachments live under the instance folder, outside the web root (never ``static/``)."""
    return Path(current_app.config["INSTANCE_DIR"]) / "attachments"
