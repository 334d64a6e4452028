"""Documents: letters rendered from council templates, recorded with template and data hashes."""

from app.documents.models import Document
from app.documents.queries import list_case_documents
from app.documents.schemas import DocumentSchema
from app.documents.services import generate_letters, render_letter, template_version

__all__ = [
    "Document",
    "DocumentSchema",
    "generate_letters",
    "list_case_documents",
    "render_letter",
    "template_version",
]
