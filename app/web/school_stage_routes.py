"""School-stage pages: start it for a pupil, follow it, and notify the service from it."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.cases import case_tasks, case_timeline
from app.core.errors import AppError
from app.core.web import reading, transaction
from app.documents import list_case_documents
from app.school_stage import get_school_stage, start_school_stage
from app.school_stage.schemas import RELATIONSHIPS, YEAR_GROUPS, SchoolStageStartSchema
from app.web.blueprint import bp
from app.web.case_routes import DOCUMENT_DOWNLOAD
from app.web.session import require_role

STARTERS = ("school",)
#: parent rows on the start page (the second is optional)
PARENT_ROWS = 2


#: the school stage's steps (its diagram's set_stage names) in words; others are shown as named
STEP_LABELS = {
    "started": "Starting",
    "first_contact": "Log the first-day contact",
    "concern_letter_1": "Concern letter 1",
    "watching_letter_1": "Four school weeks after concern letter 1",
    "concern_letter_2": "Concern letter 2 and meeting invitation",
    "meeting": "Attendance meeting",
    "action_plan": "Attendance action plan",
    "plan_in_place": "Action plan in place",
    "plan_review": "Action plan review",
    "referred": "Referred to the attendance service",
}


def step_label(step: str) -> str:
    """A school-stage step in words."""
    return STEP_LABELS.get(step, step.replace("_", " ").capitalize())


def _form_data(form: Any) -> dict[str, Any]:
    """The start page's fields as the service's input (blank optional fields dropped)."""
    pupil = {
        k: form.get(f"pupil_{k}", "").strip()
        for k in (
            "upn",
            "forenames",
            "surname",
            "date_of_birth",
            "year_group",
            "address",
            "postcode",
        )
    }
    pupil["upn"] = pupil["upn"].upper()
    parents = []
    for i in range(PARENT_ROWS):
        parent = {
            k: form.get(f"parent{i}_{k}", "").strip()
            for k in ("full_name", "relationship", "address")
        }
        if any(parent.values()) or i == 0:
            parents.append({k: v for k, v in parent.items() if v or k != "address"})
    return {
        "pupil": {
            k: v
            for k, v in pupil.items()
            if v or k in ("upn", "forenames", "surname", "date_of_birth")
        },
        "parents": parents,
    }


def _errors(messages: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(messages, list):
        return {prefix: str(messages[0])}
    out: dict[str, str] = {}
    for key, value in messages.items():
        name = f"{prefix}_{key}" if prefix else str(key)
        if prefix == "parents":
            name = f"parent{key}"
        out.update(_errors(value, name))
    return out


@bp.route("/school-stage/start", methods=["GET", "POST"])
def school_stage_start() -> Any:
    user = require_role(*STARTERS)
    if request.method == "GET":
        values = {"pupil_upn": (request.args.get("upn") or "").strip().upper()}
        return _start_page(values, {})
    values = request.form.to_dict()
    try:
        body = SchoolStageStartSchema().load(_form_data(request.form))
    except ValidationError as exc:
        return _start_page(values, _errors(exc.messages), 422)
    try:
        with transaction():
            stage = start_school_stage(user, pupil=body["pupil"], parents=body["parents"])
            stage_id = stage.id
    except AppError as exc:
        if exc.status not in (409, 422):
            raise
        return _start_page(values, {"_root": exc.message}, exc.status)
    return redirect(url_for("web.school_stage", stage_id=stage_id))


def _start_page(values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    page = render_template(
        "web/school_stage_start.html",
        values=values,
        errors=errors,
        year_groups=YEAR_GROUPS,
        relationships=RELATIONSHIPS,
        parent_rows=range(PARENT_ROWS),
    )
    return page, status


@bp.get("/school-stage/<int:stage_id>")
def school_stage(stage_id: int) -> Any:
    user = require_role("school", "adviser", "manager", "admin")
    with reading():
        stage = get_school_stage(user, stage_id)
        tasks = case_tasks(user, stage)
        timeline = [e for e in case_timeline(stage, user) if e.event_type in SHOWN_EVENTS]
        documents = list_case_documents(stage.id)
        return render_template(
            "web/school_stage.html",
            stage=stage,
            tasks=tasks,
            timeline=timeline,
            documents=documents,
            document_url=lambda i: DOCUMENT_DOWNLOAD.format(id=i),
            step_label=step_label,
        )


#: the chronology events a school stage page lists (its steps are shown by the status)
SHOWN_EVENTS = frozenset({"case_started", "task_completed", "case_closed", "timer_fired"})
