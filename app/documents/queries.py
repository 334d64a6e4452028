"""Read-side queries for documents and letter templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from app.accounts import permissions
from app.core.errors import NotFound
from app.core.uow import current_session
from app.documents.models import Document, LetterTemplateVersion


def list_case_documents(case_id: int) -> list[Document]:
    """The case's documents, oldest first (the caller has already scoped the case)."""
    stmt = (
        select(Document)
        .where(Document.case_id == case_id)
        .options(defer(Document.html), defer(Document.merge_data))
        .order_by(Document.id)
    )
    return list(current_session().scalars(stmt))


def _case_class() -> Any:
    # Documents sit below cases in the layering, so the case model is reached through the
    # relationship (resolved by name) and the case's own access rule is applied to it.
    return Document.case.property.mapper.class_


def get_document(actor: Any, document_id: int) -> Document:
    """A document of a case the actor may see; NotFound otherwise (never reveal others')."""
    case_cls = _case_class()
    stmt = select(Document).join(Document.case).where(Document.id == document_id)
    document = current_session().scalars(permissions.scope_cases(stmt, actor, case_cls)).first()
    if document is None:
        raise NotFound("No such document.")
    return document


def get_document_unscoped(document_id: int) -> Document | None:
    """A document by id, for the system's own background work."""
    return current_session().get(Document, document_id)


def case_reference(document: Document) -> str | None:
    """The reference of the document's case (for download file names)."""
    case_cls = _case_class()
    stmt = select(case_cls.reference).where(case_cls.id == document.case_id)
    return current_session().scalar(stmt)


def list_unrendered_documents(before: datetime, limit: int = 200) -> list[int]:
    """Ids of documents still waiting for their file, created before ``before``."""
    stmt = (
        select(Document.id)
        .where(Document.file_status == "pending", Document.created_at < before)
        .order_by(Document.id)
        .limit(limit)
    )
    return list(current_session().scalars(stmt))


def list_template_heads() -> list[LetterTemplateVersion]:
    """The latest version of every stored template, by name."""
    latest = (
        select(LetterTemplateVersion.name, func.max(LetterTemplateVersion.version).label("v"))
        .group_by(LetterTemplateVersion.name)
        .subquery()
    )
    stmt = (
        select(LetterTemplateVersion)
        .join(
            latest,
            (LetterTemplateVersion.name == latest.c.name)
            & (LetterTemplateVersion.version == latest.c.v),
        )
        .order_by(LetterTemplateVersion.name)
    )
    return list(current_session().scalars(stmt))


def list_template_versions(name: str) -> list[LetterTemplateVersion]:
    """Every version of a template, newest first."""
    stmt = (
        select(LetterTemplateVersion)
        .where(LetterTemplateVersion.name == name)
        .order_by(LetterTemplateVersion.version.desc())
    )
    return list(current_session().scalars(stmt))
