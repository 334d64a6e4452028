"""API routes for school stages: load -> one service call -> dump."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from app.api import json_response
from app.api.auth import current_actor
from app.api.params import load_args, load_body
from app.core.db import utcnow
from app.core.web import reading, transaction
from app.school_stage import queries, services
from app.school_stage.schemas import SchoolStageSchema, SchoolStageStartSchema, StageListArgs

bp = Blueprint("school_stage_api", __name__)


@bp.post("/school-stages")
def start_stage() -> Any:
    with transaction():
        actor = current_actor()
        body = load_body(SchoolStageStartSchema())
        stage = services.start_school_stage(
            actor, pupil=body["pupil"], parents=body["parents"], school_urn=body["school_urn"]
        )
        return json_response(SchoolStageSchema().dump(stage), 201)


@bp.get("/school-stages")
def list_stages() -> Any:
    with reading():
        actor = current_actor()
        args = load_args(StageListArgs(), request.args)
        stages = queries.list_school_stages(actor, status=args["status"])
        return json_response({"items": SchoolStageSchema(many=True).dump(stages)})


@bp.get("/school-stages/<int:stage_id>")
def get_stage(stage_id: int) -> Any:
    with reading():
        stage = queries.get_school_stage(current_actor(), stage_id)
        body = SchoolStageSchema().dump(stage)
        body["evidence"] = (stage.result or {}).get("evidence")
        return json_response(body)


@bp.get("/school-stages/<int:stage_id>/notification")
def stage_notification(stage_id: int) -> Any:
    with reading():
        body = queries.notification_prefill(current_actor(), stage_id, today=utcnow().date())
        return json_response(body)
