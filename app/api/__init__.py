"""The versioned JSON API (``/api/v1``): authentication, error mapping, OpenAPI."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from app.core.errors import AppError, Invalid

API_PREFIX = "/api/v1"


def register_api(app: Flask) -> None:
    """Register every API blueprint and the JSON error handlers."""
    from app.api.meta import bp as meta_bp
    from app.attendance.routes import bp as attendance_bp
    from app.cases.routes import bp as cases_bp
    from app.extensions import csrf
    from app.process_models.routes import bp as models_bp
    from app.school_stage.routes import bp as school_stage_bp
    from app.targeting.routes import bp as targeting_bp

    for bp in (meta_bp, cases_bp, models_bp, attendance_bp, school_stage_bp, targeting_bp):
        csrf.exempt(bp)  # API calls are checked in app.api.auth (bearer token or CSRF header)
        app.register_blueprint(bp, url_prefix=API_PREFIX)

    app.register_error_handler(AppError, _app_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _is_api() -> bool:
    return request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"error": code, "message": message, **extra}


def _app_error(exc: AppError) -> Any:
    if not _is_api():
        from app.web import render_error

        return render_error(exc.status, exc.message)
    body = error_body(exc.code, exc.message, **exc.details)
    if isinstance(exc, Invalid):
        body["errors"] = exc.errors
    return jsonify(body), exc.status


def _http_error(exc: HTTPException) -> Any:
    if not _is_api():
        return exc
    code = (exc.name or "error").lower().replace(" ", "_")
    return jsonify(error_body(code, exc.description or exc.name or "Error")), exc.code or 500


def _unexpected_error(exc: Exception) -> Any:
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if _is_api():
        return jsonify(
            error_body("internal_error", "Something went wrong. It has been logged.")
        ), 500
    from app.web import render_error

    return render_error(500, "Something went wrong. It has been logged.")


def json_response(payload: Any, status: int = 200) -> Response:
    """A JSON response."""
    response = jsonify(payload)
    response.status_code = status
    return response
