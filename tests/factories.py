"""Factory helpers for tests: schools, users, tokens, deployed models, cases.

Each runs in its own unit of work (as a request or CLI command would) and returns plain values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from factories_forms import valid_notification

from app.accounts import create_school, create_token, create_user
from app.core.web import transaction
from app.process_models import deploy_directory, deploy_model

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-42"

SCHOOL_A = ("100001", "Riverside Primary School")
SCHOOL_B = ("100002", "Hillcrest Academy")


def make_user(
    app: Any, role: str, *, email: str | None = None, school: str | None = None
) -> dict[str, Any]:
    """Create a user (and its school) and return {'id', 'email', 'token', 'role'}."""
    email = email or f"{role}{'-' + school if school else ''}@example.test"
    with app.app_context(), transaction():
        for urn, name in (SCHOOL_A, SCHOOL_B):
            create_school(urn, name)
        user = create_user(
            email, role=role, school_urn=school, password=PASSWORD, name=role.title()
        )
        token = create_token(email)
        return {"id": user.id, "email": email, "token": token, "role": role, "school": school}


def deploy_default(app: Any) -> None:
    """Deploy bpmn/ + forms/ as `pathway models deploy` does."""
    with app.app_context(), transaction():
        deploy_directory(None, Path(app.config["BPMN_DIR"]), Path(app.config["FORMS_DIR"]))


def deploy_files(
    app: Any, model_id: str, files: dict[str, bytes], forms_dir: Path | None = None
) -> Any:
    """Deploy a model from in-memory files; returns (model_id, version, created)."""
    with app.app_context(), transaction():
        version, created = deploy_model(
            None,
            model_id=model_id,
            files=files,
            forms_dir=forms_dir or Path(app.config["FORMS_DIR"]),
        )
        return version.model_id, version.version, created


def auth(user: dict[str, Any]) -> dict[str, str]:
    """Headers that authenticate as ``user``."""
    return {"Authorization": f"Bearer {user['token']}"}


def notify(client: Any, user: dict[str, Any], **overrides: Any) -> Any:
    """POST a valid notification (with overrides) and return the response."""
    return client.post(
        "/api/v1/notifications", json=valid_notification(**overrides), headers=auth(user)
    )


__all__ = [
    "PASSWORD",
    "auth",
    "deploy_default",
    "deploy_files",
    "make_user",
    "notify",
    "valid_notification",
]
