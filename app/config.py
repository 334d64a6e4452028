"""Settings: every setting declared once with its default; the environment overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _instance_dir() -> Path:
    return Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the settings dict for ``create_app``."""
    instance = _instance_dir()
    config: dict[str, Any] = {
        "INSTANCE_DIR": str(instance),
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'attendance-pathway.sqlite'}"
        ),
        "CELERY_BROKER_URL": os.environ.get(
            "CELERY_BROKER_URL", f"sqla+sqlite:///{instance / 'celery-broker.sqlite'}"
        ),
        "CELERY_RESULT_BACKEND": os.environ.get(
            "CELERY_RESULT_BACKEND", f"db+sqlite:///{instance / 'celery-results.sqlite'}"
        ),
        "BPMN_DIR": os.environ.get("BPMN_DIR", str(ROOT / "bpmn")),
        "FORMS_DIR": os.environ.get("FORMS_DIR", str(ROOT / "forms")),
        "COUNCIL_NAME": os.environ.get("COUNCIL_NAME", "Riverside County Council"),
        #: the process model a notification starts
        "CASE_PROCESS_MODEL": os.environ.get("CASE_PROCESS_MODEL", "attendance_case"),
        "SCHOOL_STAGE_MODEL": os.environ.get("SCHOOL_STAGE_MODEL", "school_stage"),
        "TSM_MODEL": os.environ.get("TSM_MODEL", "targeting_meeting"),
        #: a case with no task completed for this many days is shown as "stalled" (panel referral)
        "PANEL_STALLED_DAYS": int(os.environ.get("PANEL_STALLED_DAYS", "28")),
        #: BPMN lane name (lower case) -> role that works tasks in that lane
        "LANE_ROLES": {
            "school": "school",
            "adviser": "adviser",
            "manager": "manager",
            "legal": "adviser",
            "system": "adviser",
        },
        "STAGES": [
            "triage",
            "school_action",
            "monitoring",
            "contract",
            "enforcement",
            "legal",
            "closed",
        ],
        "TIMER_POLL_SECONDS": int(os.environ.get("TIMER_POLL_SECONDS", "60")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "TESTING": False,
    }
    if overrides:
        config.update(overrides)
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(Path(config["INSTANCE_DIR"]))
    return config
