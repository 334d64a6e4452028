"""Server-rendered pages: sign in/out and a home page per role (the full UI is issue #4)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from app.web.routes import bp


def render_error(status: int, message: str) -> Any:
    """An error page in the site's layout."""
    return render_template("web/error.html", status=status, message=message), status


__all__ = ["bp", "render_error"]
