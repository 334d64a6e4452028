"""Read-side queries for documents."""

from __future__ import annotations

from sqlalchemy import select

from app.core.uow import current_session
from app.documents.models import Document


def list_case_documents(case_id: int) -> list[Document]:
    """The case's documents, oldest first (the caller has already scoped the case)."""
    stmt = select(Document).where(Document.case_id == case_id).order_by(Document.id)
    return list(current_session().scalars(stmt))
