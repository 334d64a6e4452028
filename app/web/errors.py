"""Error pages: 400 (expired form), 403, 404, 405, 409, 413 and 500 in the site's layout.

Application errors (``AppError``) reach :func:`render_error` through the app-wide handler in
``app.api``; HTTP errors are answered here.  API paths keep the API's JSON error shape.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.web.blueprint import bp

TITLES = {
    400: "Sorry, there is a problem with the form",
    403: "You do not have access",
    404: "Page not found",
    405: "Page not found",
    409: "This has changed since you opened it",
    413: "The file is too big",
    500: "Sorry, there is a problem with the service",
}


def render_error(status: int, message: str) -> Any:
    """An error page in the site's layout with the given status."""
    title = TITLES.get(status, TITLES[500])
    return render_template("web/error.html", status=status, title=title, message=message), status


def _message(exc: HTTPException) -> str:
    if isinstance(exc, CSRFError):
        return "The form had expired. Go back, reload the page and try again."
    if exc.code == 413:
        limit = current_app.config["ATTACHMENT_MAX_BYTES"] / (1024 * 1024)
        return f"The selected file must be smaller than {limit:g} MB."
    if exc.code in (404, 405):
        return "If you typed the web address, check it is correct."
    return exc.description or ""


def _http_error(exc: HTTPException) -> Any:
    if request.path.startswith("/api/"):
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify({"error": code, "message": exc.description or exc.name}), exc.code
    return render_error(exc.code or 500, _message(exc))


for _status in (400, 403, 404, 405, 413):
    bp.app_errorhandler(_status)(_http_error)
