"""API routes for documents (metadata, download) and letter templates (read, edit)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, send_file
from marshmallow import ValidationError

from app.api import json_response
from app.api.auth import current_actor
from app.core.errors import Invalid
from app.core.web import reading, transaction
from app.documents import queries, services
from app.documents.schemas import (
    DocumentDetailSchema,
    TemplateSaveSchema,
    TemplateVersionSchema,
)

bp = Blueprint("documents_api", __name__)

DOWNLOAD_FORMATS = ("pdf", "docx", "html")
#: the stored HTML of a letter is served as a download that cannot run anything
HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
}


@bp.get("/documents/<int:document_id>")
def get_document(document_id: int) -> Any:
    with reading():
        document = queries.get_document(current_actor(), document_id)
        return json_response(DocumentDetailSchema().dump(document))


@bp.get("/documents/<int:document_id>/download")
def download_document(document_id: int) -> Any:
    with reading():
        actor = current_actor()  # credentials are checked before the arguments
        wanted = request.args.get("format")
        if wanted is not None and wanted not in DOWNLOAD_FORMATS:
            formats = ", ".join(DOWNLOAD_FORMATS)
            raise Invalid("Unknown format.", {"format": [f"Use one of {formats}"]})
        document = queries.get_document(actor, document_id)
        path, media_type, kind = services.document_file(document, wanted)
        name = f"{queries.case_reference(document)}-{document.template}-{document.id}.{kind}"
        if path is None:
            response = Response(document.html, mimetype=media_type, headers=HTML_HEADERS)
            response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return send_file(path, mimetype=media_type, as_attachment=True, download_name=name)


@bp.get("/letter-templates")
def list_letter_templates() -> Any:
    with transaction():  # files new or changed in letters/ are recorded as versions first
        heads = services.list_templates(current_actor())
        titles = services.template_titles()
        items = [{**TemplateVersionSchema().dump(v), "title": titles.get(v.name)} for v in heads]
        return json_response({"items": items})


@bp.get("/letter-templates/<name>")
def get_letter_template(name: str) -> Any:
    with transaction():
        versions = services.template_history(current_actor(), name)
        latest = versions[0]
        payload = TemplateVersionSchema().dump(latest)
        payload["title"] = services.template_titles().get(name)
        payload["content"] = latest.content if latest.format == "html" else None
        payload["versions"] = TemplateVersionSchema().dump(versions, many=True)
        return json_response(payload)


@bp.get("/letter-templates/<name>/versions/<int:version>")
def get_letter_template_version(name: str, version: int) -> Any:
    with transaction():
        versions = services.template_history(current_actor(), name)
        found = next((v for v in versions if v.version == version), None)
        if found is None:
            raise Invalid("No such version.", {"version": [f"{name} has no version {version}"]})
        if found.format == "docx":
            return Response(
                found.docx,
                mimetype=services.DOCX_MEDIA_TYPE,
                headers={"Content-Disposition": f'attachment; filename="{name}-v{version}.docx"'},
            )
        return json_response({**TemplateVersionSchema().dump(found), "content": found.content})


def _template_body() -> dict[str, Any]:
    """HTML as JSON {"content", "note"}, or a Word file (multipart "file", or the raw body)."""
    upload = request.files.get("file")
    if upload is not None:
        raw = upload.read()
        note = request.form.get("note") or None
        if (upload.filename or "").lower().endswith(".html"):
            return {"content": raw.decode("utf-8", errors="replace"), "note": note}
        return {"docx": raw, "note": note}
    if request.mimetype == services.DOCX_MEDIA_TYPE:
        return {"docx": request.get_data(), "note": request.args.get("note")}
    try:
        return dict(TemplateSaveSchema().load(request.get_json(silent=True) or {}))
    except ValidationError as exc:
        messages = exc.normalized_messages()
        raise Invalid(
            'Send {"content": "<html template>"} as JSON, or a .docx file.',
            {k: v if isinstance(v, list) else [str(v)] for k, v in messages.items()},
        ) from exc


@bp.put("/letter-templates/<name>")
def save_letter_template(name: str) -> Any:
    with transaction():
        actor = current_actor()  # credentials are checked before the body
        version, created = services.save_template(actor, name=name, **_template_body())
        payload = TemplateVersionSchema().dump(version)
        payload["created"] = created
        return json_response(payload, 201 if created else 200)
