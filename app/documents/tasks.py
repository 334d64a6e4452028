"""Background jobs of documents: make a letter's PDF (or DOCX), re-queue lost renders."""

from __future__ import annotations

from celery import shared_task

from app.core.web import transaction
from app.documents.services import render_document_file, requeue_unrendered
from app.tasks import AppTask


@shared_task(
    name="documents.render_pdf", base=AppTask, acks_late=True, time_limit=300, soft_time_limit=240
)
def render_pdf(document_id: int) -> str:
    """Render and store the document's file; idempotent (a ready document is skipped)."""
    return render_document_file(document_id)


@shared_task(name="documents.requeue_unrendered", base=AppTask, acks_late=True, time_limit=120)
def requeue_unrendered_documents() -> int:
    """Queue the render again for documents still pending after a grace period."""
    with transaction():
        return requeue_unrendered()
