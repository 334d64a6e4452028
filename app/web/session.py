"""Who is signed in: the idle timeout, and the role checks every page makes.

A web session holds ``user_id`` and ``seen_at`` (epoch seconds of the last request).  A request
after ``SESSION_IDLE_MINUTES`` without one clears the session; the cookie itself also expires
after ``PERMANENT_SESSION_LIFETIME``.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for

from app.accounts import get_user
from app.core.errors import Forbidden, NotFound
from app.core.web import reading
from app.web.blueprint import bp

#: council staff who see every case (managers read only)
STAFF = frozenset({"adviser", "manager", "admin"})
#: write the "last seen" time at most this often (a new cookie on every request is noise)
SEEN_RESOLUTION_SECONDS = 30


class SignInRequired(Exception):
    """Raised by a page that needs a signed-in user; answered with a redirect to sign in."""


@bp.before_app_request
def load_user() -> Any:
    """Apply the idle timeout, then load the signed-in user for the page (``g.user``)."""
    g.user = None
    if request.endpoint == "static" or "user_id" not in session:
        return None
    now = int(time.time())
    idle_limit = int(current_app.config["SESSION_IDLE_MINUTES"]) * 60
    if now - int(session.get("seen_at", 0)) > idle_limit:
        session.clear()
        g.timed_out = True
        return None
    if now - int(session.get("seen_at", 0)) >= SEEN_RESOLUTION_SECONDS:
        session["seen_at"] = now
    if not request.path.startswith("/api/"):
        with reading():
            g.user = get_user(int(session["user_id"]))
    return None


def start_session(user: Any) -> None:
    """Sign ``user`` in with a fresh session (nothing from before survives)."""
    session.clear()
    session["user_id"] = user.id
    session["seen_at"] = int(time.time())
    session.permanent = True


def require_user() -> Any:
    """The signed-in user, or SignInRequired."""
    user = g.get("user")
    if user is None:
        raise SignInRequired
    return user


def require_role(*roles: str) -> Any:
    """The signed-in user if their role is one of ``roles``.

    A school user is told nothing exists (404) outside its own pages; anyone else sees the
    "you do not have access" page (403).
    """
    user = require_user()
    if user.role in roles:
        return user
    if user.role == "school":
        raise NotFound("Page not found.")
    raise Forbidden("You do not have access to this page.")


@bp.errorhandler(SignInRequired)
def _to_sign_in(_exc: SignInRequired) -> Any:
    target = request.full_path.rstrip("?") if request.method == "GET" else "/"
    args: dict[str, Any] = {"next": target} if target != "/" else {}
    if g.get("timed_out"):
        args["timeout"] = 1
    return redirect(url_for("web.login", **args))


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (never another host), else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc or "\\" in target else target
