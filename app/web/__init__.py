"""Server-rendered pages in the GOV.UK style, council-branded: sign-in, the school portal, the
adviser inbox, task and case pages.  They work without JavaScript.

Routes are thin: they read the request, call one query or service (``app.cases``,
``app.attachments``, the drafts in :mod:`app.web.services`) and render a template.  Forms are
drawn by :mod:`app.forms.renderer` and read back by :mod:`app.forms.submission`.
"""

from __future__ import annotations

from app.web import (  # noqa: F401  (importing the modules registers their views)
    case_routes,
    errors,
    inbox_routes,
    portal_routes,
    routes,
    school_stage_routes,
    session,
    task_routes,
)
from app.web.blueprint import bp
from app.web.errors import render_error

__all__ = ["bp", "render_error"]
