"""The Celery application (``celery -A app.worker:celery_app worker|beat``).

Tasks take ids, never objects, and each runs in its own unit of work.  The beat schedule fires
due timers every minute.  Issue #5 extends this with letters, imports and the embedded broker.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from celery import Celery, Task

from app import create_app

flask_app = create_app()


class FlaskTask(Task):  # type: ignore[misc]
    """Runs every task inside the Flask app context."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with flask_app.app_context():
            return self.run(*args, **kwargs)


celery_app = Celery(
    "attendance_pathway",
    broker=flask_app.config["CELERY_BROKER_URL"],
    backend=flask_app.config["CELERY_RESULT_BACKEND"],
    task_cls=FlaskTask,
)
celery_app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    task_acks_late=True,
    task_time_limit=300,
    timezone="UTC",
    beat_schedule={
        "fire-due-timers": {"task": "cases.fire_due_timers", "schedule": 60.0},
    },
)


@celery_app.task(name="cases.fire_due_timers")
def fire_due_timers(now_iso: str | None = None) -> list[dict[str, Any]]:
    """Fire every timer due now (or at ``now_iso``)."""
    from app.cases import run_due_timers

    now = datetime.fromisoformat(now_iso) if now_iso else datetime.now(UTC)
    return run_due_timers(now, flask_app.extensions["db_sessions"])
