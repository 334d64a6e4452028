"""Health and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import text

from app.api import json_response
from app.api.openapi import build_openapi
from app.core.web import reading

bp = Blueprint("meta_api", __name__)


@bp.get("/health")
def health() -> Any:
    try:
        with reading() as session:
            session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the health check reports, it never raises
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return json_response(
        {"status": "ok" if status == 200 else "degraded", "database": database}, status
    )


@bp.get("/openapi.json")
def openapi() -> Any:
    return json_response(build_openapi())
