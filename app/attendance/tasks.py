"""Background jobs of attendance: importing an uploaded session-mark file."""

from __future__ import annotations

from celery import shared_task

from app.attendance.imports import run_import
from app.tasks import AppTask


@shared_task(
    name="attendance.import_file",
    base=AppTask,
    acks_late=True,
    time_limit=1800,
    soft_time_limit=1740,
)
def import_file(import_id: int) -> str:
    """Import the stored file of ``import_id`` in batches; safe to run again (idempotent)."""
    return str(run_import(import_id).status)
