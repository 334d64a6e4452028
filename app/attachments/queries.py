"""Read-side queries for attachments (always through a case the actor may see)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.attachments.models import Attachment
from app.cases import get_case
from app.core.errors import NotFound
from app.core.uow import current_session


def list_case_attachments(case_id: int) -> list[Attachment]:
    """The case's attachments, oldest first (the caller has already scoped the case)."""
    stmt = select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)
    return list(current_session().scalars(stmt))


def get_attachment(actor: Any, case_id: int, attachment_id: int) -> Attachment:
    """An attachment of a case the actor may see; NotFound otherwise (another school's too)."""
    case = get_case(actor, case_id)
    attachment = current_session().get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound("No such attachment.")
    return attachment
