"""API routes for attendance session marks: load -> one service call -> dump."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from marshmallow import ValidationError

from app.api import json_response
from app.api.auth import current_actor
from app.attendance import services
from app.attendance.schemas import MarksImportResultSchema, MarksImportSchema
from app.core.errors import Invalid
from app.core.web import transaction

bp = Blueprint("attendance_api", __name__)


@bp.post("/attendance")
def import_marks() -> Any:
    with transaction():
        actor = current_actor()  # credentials are checked before the body
        body = request.get_json(silent=True)
        try:
            loaded = MarksImportSchema().load(body if isinstance(body, dict) else {})
        except ValidationError as exc:
            raise Invalid(
                'Send a JSON object {"marks": [...]}.',
                {
                    k: v if isinstance(v, list) else [str(v)]
                    for k, v in exc.normalized_messages().items()
                },
            ) from exc
        result = services.import_marks(actor, marks=loaded["marks"])
        return json_response(MarksImportResultSchema().dump(result))
