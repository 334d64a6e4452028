"""Attendance Pathway: the Flask application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from app.config import load_config
from app.core.db import make_engine, make_session_factory


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error handlers.  Never queries."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.from_mapping(load_config(config))
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessions"] = make_session_factory(engine)

    from app.extensions import csrf

    csrf.init_app(app)

    from app.api import register_api
    from app.web import bp as web_bp

    register_api(app)
    from app.attendance import operators  # noqa: F401  (registers the database-backed operators)
    from app.targeting import operators as _targeting  # noqa: F401  (targeting.watch_list)

    app.register_blueprint(web_bp)
    from app.studio import bp as studio_bp

    app.register_blueprint(studio_bp)
    from app.dashboard import bp as dashboard_bp

    app.register_blueprint(dashboard_bp)
    from app.delivery_plan.routes import bp as delivery_plan_bp

    app.register_blueprint(delivery_plan_bp)
    from app.reports.routes import bp as reports_bp

    app.register_blueprint(reports_bp)
    _quiet_loggers()
    return app


def _quiet_loggers() -> None:
    # Request logs carry URLs only; case data never reaches a log line.
    logging.getLogger("SpiffWorkflow").setLevel(logging.WARNING)
