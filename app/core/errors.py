"""Application errors, raised by services and mapped to HTTP in one place (``app.api``)."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(AppError):
    """The thing does not exist, or the actor may not know it exists."""

    status = 404
    code = "not_found"


class Forbidden(AppError):
    """The actor may see the thing but not do this to it."""

    status = 403
    code = "forbidden"


class Unauthorized(AppError):
    """No valid credentials."""

    status = 401
    code = "unauthorized"


class Conflict(AppError):
    """The thing changed underneath the request (stale version, task already done)."""

    status = 409
    code = "conflict"


class Invalid(AppError):
    """Submitted data is invalid; ``errors`` maps field paths to messages."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None, **details: Any):
        super().__init__(message, **details)
        self.errors = errors or {}
