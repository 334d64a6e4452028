"""The ``studio`` blueprint: who may use it, and how its errors are answered.

Pages are for signed-in process owners (and admins); a visitor who is not signed in is sent to
the sign-in page.  The JSON endpoints under ``/studio/api`` serve the editors' JavaScript: they
take the signed-in session with the CSRF token in the ``X-CSRFToken`` header, and always answer
errors as ``{"error", "message"}`` JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g, jsonify, request, url_for
from werkzeug.wrappers import Response

from app.core.errors import AppError, Invalid, NotFound
from app.studio.services import require_owner

bp = Blueprint("studio", __name__, url_prefix="/studio", template_folder="templates")

#: the vendored editors (app/static/vendor/<package>/<version>/)
BPMN_JS_VERSION = "18.31.1"
DMN_JS_VERSION = "17.10.2"


class SignInNeeded(Exception):
    """A studio page was asked for without a signed-in user."""


def page_user() -> Any:
    """The signed-in process owner (or admin) viewing a studio page."""
    user = g.get("user")
    if user is None:
        raise SignInNeeded
    return _owner(user)


def api_user() -> Any:
    """The caller of a studio JSON endpoint (signed-in session + CSRF header, or a token)."""
    from app.api.auth import current_actor

    return _owner(current_actor())


def _owner(user: Any) -> Any:
    if user.role == "school":  # as everywhere else: a school is told nothing exists
        raise NotFound("Page not found.")
    return require_owner(user)


def _is_api() -> bool:
    return request.path.startswith("/studio/api/")


@bp.errorhandler(SignInNeeded)
def _sign_in(_exc: SignInNeeded) -> Any:
    from flask import redirect

    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


@bp.errorhandler(AppError)
def _app_error(exc: AppError) -> Any:
    if not _is_api():
        from app.web import render_error

        return render_error(exc.status, exc.message)
    body: dict[str, Any] = {"error": exc.code, "message": exc.message, **exc.details}
    if isinstance(exc, Invalid):
        body["errors"] = exc.errors
    return jsonify(body), exc.status


def attachment(text: str, name: str, mimetype: str) -> Response:
    """A file download (``Content-Disposition: attachment``)."""
    response = Response(text, mimetype=mimetype)
    safe = name.rsplit("/", 1)[-1].replace('"', "")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.context_processor
def _studio_globals() -> dict[str, str]:
    return {"BPMN_JS_VERSION": BPMN_JS_VERSION, "DMN_JS_VERSION": DMN_JS_VERSION}


@bp.app_template_filter("studio_when")
def studio_when(value: Any) -> str:
    """A moment as '5 Jan 2026 09:00' (UTC); SQLite hands aggregates back as text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return "—"
    return value.strftime("%-d %b %Y %H:%M")
