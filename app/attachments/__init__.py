"""Attachments: files (PDF, DOCX, PNG, JPEG) added to a case, stored outside the web root."""

from app.attachments.models import Attachment
from app.attachments.queries import get_attachment, list_case_attachments
from app.attachments.services import (
    ALLOWED_TYPES,
    add_attachment,
    attachment_path,
    can_add_attachments,
    detect_type,
)

__all__ = [
    "ALLOWED_TYPES",
    "Attachment",
    "add_attachment",
    "attachment_path",
    "can_add_attachments",
    "detect_type",
    "get_attachment",
    "list_case_attachments",
]
