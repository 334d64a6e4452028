"""Background jobs of cases: the timer sweep (beat, every minute)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from celery import shared_task
from flask import current_app

from app.cases.services import run_due_timers
from app.tasks import AppTask


@shared_task(
    name="cases.fire_due_timers", base=AppTask, acks_late=True, time_limit=600, soft_time_limit=570
)
def fire_due_timers(now_iso: str | None = None) -> dict[str, Any]:
    """Fire every timer due now (or at ``now_iso``): each case in its own unit of work.

    Safe to run on several workers at once and to run again: a case whose timers another
    worker fired is skipped (row lock / version check in ``run_due_timers``).
    """
    now = datetime.fromisoformat(now_iso) if now_iso else datetime.now(UTC)
    outcomes = run_due_timers(now, current_app.extensions["db_sessions"])
    fired = [o["case_id"] for o in outcomes if o.get("fired")]
    failed = [o["case_id"] for o in outcomes if o.get("error")]
    return {"cases": len(outcomes), "fired": fired, "failed": failed}
