"""API routes for notifications, cases, tasks and forms: load -> one service call -> dump."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from marshmallow import ValidationError

from app.api import json_response
from app.api.auth import current_actor
from app.api.params import load_args, page_body
from app.cases import queries, services
from app.cases.schemas import (
    CaseListArgs,
    CaseSchema,
    CompleteTaskSchema,
    CreatedCaseSchema,
    FormSchema,
    MessageSchema,
    TaskListArgs,
    TaskSchema,
    TimelineEventSchema,
)
from app.core.errors import Invalid
from app.core.web import reading, transaction
from app.documents import DocumentSchema, list_case_documents
from app.process_models import current_form, version_form

bp = Blueprint("cases_api", __name__)


def _json_body() -> Any:
    body = request.get_json(silent=True)
    if body is None:
        raise Invalid(
            "Send a JSON body (Content-Type: application/json).", {"_root": ["Send a JSON object"]}
        )
    return body


def _load_body(schema: Any) -> dict[str, Any]:
    try:
        return dict(schema.load(_json_body()))
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_root": exc.messages}
        errors = {k: v if isinstance(v, list) else [str(v)] for k, v in messages.items()}
        raise Invalid("The request has errors.", errors) from exc


@bp.post("/notifications")
def create_notification() -> Any:
    with transaction():
        actor = current_actor()  # credentials are checked before the body
        case = services.open_case(actor, data=_json_body())
        return json_response(CreatedCaseSchema().dump(case), 201)


@bp.get("/cases")
def list_cases() -> Any:
    with reading():
        args = load_args(CaseListArgs(), request.args)
        return json_response(page_body(queries.list_cases(current_actor(), **args), CaseSchema()))


@bp.get("/cases/<int:case_id>")
def get_case(case_id: int) -> Any:
    with reading():
        actor = current_actor()
        case = queries.get_case(actor, case_id)
        payload = CaseSchema().dump(case)
        payload["active_tasks"] = TaskSchema().dump(queries.case_tasks(actor, case), many=True)
        payload["timeline"] = TimelineEventSchema().dump(
            queries.case_timeline(case, actor), many=True
        )
        payload["documents"] = DocumentSchema().dump(list_case_documents(case.id), many=True)
        return json_response(payload)


@bp.post("/cases/<int:case_id>/messages")
def send_message(case_id: int) -> Any:
    with transaction():
        actor = current_actor()  # credentials are checked before the body
        body = _load_body(MessageSchema())
        case = services.send_message(actor, case_id=case_id, **body)
        return json_response(CaseSchema().dump(case))


@bp.get("/tasks")
def list_tasks() -> Any:
    with reading():
        args = load_args(TaskListArgs(), request.args)
        return json_response(page_body(queries.list_tasks(current_actor(), **args), TaskSchema()))


@bp.get("/tasks/<int:task_id>")
def get_task(task_id: int) -> Any:
    with reading():
        task = queries.get_task(current_actor(), task_id)
        form = version_form(task.case.model_version, task.form_name) if task.form_name else None
        payload = TaskSchema().dump(task)
        payload["form"] = FormSchema().dump(form) if form else None
        payload["data"] = _prefill(form.schema if form else None, task.data)
        return json_response(payload)


def _prefill(schema: dict[str, Any] | None, data: dict[str, Any]) -> dict[str, Any]:
    """The task data the form shows: the keys its schema defines (not the whole case)."""
    if not schema:
        return {}
    return {k: v for k, v in data.items() if k in schema.get("properties", {})}


@bp.post("/tasks/<int:task_id>/claim")
def claim_task(task_id: int) -> Any:
    with transaction():
        task = services.claim_task(current_actor(), task_id=task_id)
        return json_response(TaskSchema().dump(task))


@bp.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int) -> Any:
    with transaction():
        actor = current_actor()  # credentials are checked before the body
        body = _load_body(CompleteTaskSchema())
        task = services.complete_task(actor, task_id=task_id, **body)
        return json_response({**TaskSchema().dump(task), "case": CaseSchema().dump(task.case)})


@bp.get("/forms/<name>")
def get_form(name: str) -> Any:
    with reading():
        current_actor()
        form = current_form(name, _forms_dir())
        return json_response(FormSchema().dump(form))


def _forms_dir() -> Any:
    from pathlib import Path

    return Path(current_app.config["FORMS_DIR"])
