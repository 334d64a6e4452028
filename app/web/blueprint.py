"""The ``web`` blueprint, its settings and the template helpers every page uses."""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.web import presenters

bp = Blueprint("web", __name__, template_folder="templates")

#: the vendored GOV.UK Frontend build under app/static/vendor/govuk-frontend/
GOVUK_FRONTEND_VERSION = "6.6.0"

#: settings the web pages read, with their defaults (the environment or create_app overrides)
WEB_SETTINGS: dict[str, Any] = {
    #: sign a web user out after this many minutes without a request
    "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
    #: the largest attachment accepted (the request limit MAX_CONTENT_LENGTH also applies)
    "ATTACHMENT_MAX_BYTES": int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))),
    #: inbox rows per page
    "INBOX_PAGE_SIZE": 25,
}


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    app = state.app
    for key, value in WEB_SETTINGS.items():
        app.config.setdefault(key, value)
    app.jinja_env.globals["GOVUK_FRONTEND_VERSION"] = GOVUK_FRONTEND_VERSION
    app.jinja_env.filters.update(
        day=presenters.format_day,
        when=presenters.format_moment,
        stage=presenters.stage_label,
        filesize=presenters.file_size,
    )
