"""API routes for process models (read-only here; deployment is the CLI and the studio)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from app.accounts import permissions
from app.api import json_response
from app.api.auth import current_actor
from app.core.errors import Forbidden
from app.core.web import reading
from app.process_models import services
from app.process_models.schemas import ProcessModelSchema, ProcessModelVersionSchema

bp = Blueprint("process_models_api", __name__)


def _reader() -> Any:
    actor = current_actor()
    if not permissions.can_read_models(actor):
        raise Forbidden("Only council staff can see process models.")
    return actor


@bp.get("/process-models")
def list_models() -> Any:
    with reading():
        _reader()
        return json_response(
            {"items": ProcessModelSchema().dump(services.list_models(), many=True)}
        )


@bp.get("/process-models/<model_id>/versions")
def list_versions(model_id: str) -> Any:
    with reading():
        _reader()
        versions = services.list_versions(model_id)
        return json_response({"items": ProcessModelVersionSchema().dump(versions, many=True)})
