"""The process owners' studio: edit models in the browser, validate, deploy, migrate, replay.

Pages live under ``/studio`` (process owners and admins); the editors are the vendored bpmn-js
and dmn-js bundles plus a small own properties panel (``app/static/studio``).
"""

from app.studio import routes, routes_api, routes_cases, routes_letters
from app.studio.blueprint import bp
from app.studio.models import CaseMigration
from app.studio.replays import ReplayRow, case_history, replay_cases, report_csv
from app.studio.services import (
    CasePlan,
    dry_run,
    list_migrations,
    migrate_cases,
    migrate_one,
    undo_migration,
)

__all__ = [
    "CaseMigration",
    "CasePlan",
    "ReplayRow",
    "bp",
    "case_history",
    "dry_run",
    "list_migrations",
    "migrate_cases",
    "migrate_one",
    "replay_cases",
    "report_csv",
    "routes",
    "routes_api",
    "routes_cases",
    "routes_letters",
    "undo_migration",
]
