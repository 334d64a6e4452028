"""marshmallow schemas for documents and letter templates."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from app.api import API_PREFIX


class DocumentSchema(Schema):
    """A document as the case view lists it."""

    id = fields.Integer()
    template = fields.String()
    recipient = fields.String()
    created_at = fields.DateTime()


class DocumentDetailSchema(Schema):
    """A document's metadata (``GET /api/v1/documents/<id>``): evidence hashes and the file."""

    id = fields.Integer()
    case_id = fields.Integer()
    template = fields.String()
    #: the letter template's version number
    template_revision = fields.Integer(allow_none=True)
    templates_used = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)
    #: sha256 over the template sources that rendered it
    template_version = fields.String()
    format = fields.String()
    recipient = fields.String()
    data_hash = fields.String()
    created_at = fields.DateTime()
    file_status = fields.String()
    file_type = fields.Method("_file_type")
    pdf_sha256 = fields.String(allow_none=True)
    docx_sha256 = fields.String(allow_none=True)
    rendered_at = fields.DateTime(allow_none=True)
    file_error = fields.String(allow_none=True)
    url = fields.Method("_url")
    download_url = fields.Method("_download_url")

    def _file_type(self, document: Any) -> str:
        if document.pdf_path:
            return "pdf"
        if document.docx_path:
            return "docx"
        return "html" if document.format == "html" else "none"

    def _url(self, document: Any) -> str:
        return f"{API_PREFIX}/documents/{document.id}"

    def _download_url(self, document: Any) -> str:
        return f"{API_PREFIX}/documents/{document.id}/download"


class TemplateVersionSchema(Schema):
    name = fields.String()
    version = fields.Integer()
    format = fields.String()
    sha256 = fields.String()
    source = fields.String()
    created_by = fields.String(attribute="created_by_label")
    created_at = fields.DateTime()
    note = fields.String(allow_none=True)


class TemplateSaveSchema(Schema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=200_000))
    note = fields.String(load_default=None, validate=validate.Length(max=300), allow_none=True)
