"""Background job of targeting meetings: open the current term's meetings (beat, daily)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from celery import shared_task

from app.core.web import transaction
from app.targeting.services import open_term_meetings
from app.targeting.terms import current_term
from app.tasks import AppTask


@shared_task(name="targeting.open_term_meetings", base=AppTask, acks_late=True, time_limit=600)
def open_current_term_meetings(today_iso: str | None = None) -> dict[str, Any]:
    """Open this term's meeting for every school that has none (safe to run again)."""
    today = datetime.fromisoformat(today_iso).date() if today_iso else datetime.now(UTC).date()
    term = current_term(today)
    with transaction():
        opened = [c.id for c in open_term_meetings(None, term=term)]
    return {"term": term, "opened": opened}
