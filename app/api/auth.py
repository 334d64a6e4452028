"""Who is calling: a bearer API token, or the signed-in web user (with a CSRF header)."""

from __future__ import annotations

from typing import Any

from flask import g, request, session

from app.accounts import get_user, user_for_token
from app.core.errors import Unauthorized

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_actor() -> Any:
    """The authenticated user of this request; Unauthorized when there is none."""
    if "actor" in g:
        return g.actor
    actor = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        actor = user_for_token(header.removeprefix("Bearer ").strip())
        if actor is None:
            raise Unauthorized("The API token is not valid.")
    elif session.get("user_id"):
        actor = get_user(int(session["user_id"]))
        if actor is not None and request.method not in SAFE_METHODS:
            from flask_wtf.csrf import CSRFError, validate_csrf

            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except CSRFError as exc:
                raise Unauthorized("Send the CSRF token in the X-CSRFToken header.") from exc
            except Exception as exc:  # wtforms ValidationError
                raise Unauthorized("Send the CSRF token in the X-CSRFToken header.") from exc
    if actor is None:
        raise Unauthorized("Sign in or send an API token (Authorization: Bearer ...).")
    g.actor = actor
    return actor
