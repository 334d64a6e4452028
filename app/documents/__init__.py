"""Documents: letters rendered from versioned council templates, stored as PDF/DOCX files."""

from app.documents.files import html_to_pdf
from app.documents.models import Document, LetterTemplateVersion
from app.documents.queries import get_document, list_case_documents
from app.documents.schemas import DocumentSchema
from app.documents.services import (
    generate_letters,
    render_document_file,
    requeue_unrendered,
    save_template,
)

__all__ = [
    "Document",
    "DocumentSchema",
    "LetterTemplateVersion",
    "generate_letters",
    "get_document",
    "html_to_pdf",
    "list_case_documents",
    "render_document_file",
    "requeue_unrendered",
    "save_template",
]
