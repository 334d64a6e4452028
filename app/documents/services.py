"""Letters: render the council's template per recipient, record each document, make its file.

``generate_letters`` runs inside the engine step's unit of work: it renders the HTML (a few
milliseconds), records the document with the template versions and a hash of the merge data,
and queues ``documents.render_pdf`` for after the commit.  The worker then makes the PDF
(WeasyPrint), or for a Word template the DOCX (docxtpl) and, where LibreOffice is installed, its
PDF, and records the file's path and sha256.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from jinja2.exceptions import SecurityError

from app.audit import record_event
from app.core.db import utcnow
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.uow import current_session, read_session, unit_of_work
from app.documents import files, letter_templates, queries, sandbox
from app.documents.models import Document, LetterTemplateVersion
from app.documents.permissions import can_edit_templates
from app.tasks import enqueue

#: letters/ beside forms/ at the repository root unless LETTERS_DIR says otherwise
DEFAULT_LETTERS_DIR = Path(__file__).resolve().parents[2] / "letters"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: a queued render that has not happened after this long is queued again by the beat sweep
RENDER_GRACE = timedelta(minutes=2)


def letters_dir() -> Path:
    """The council's letter folder (LETTERS_DIR setting, else ``letters/``)."""
    return Path(current_app.config.get("LETTERS_DIR") or DEFAULT_LETTERS_DIR)


def data_hash(context: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the merge data."""
    canonical = json.dumps(context, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _figures(data: dict[str, Any]) -> dict[str, Any] | None:
    figures = data.get("figures")
    if isinstance(figures, dict):
        return figures
    return data if "possible" in data or "possible_sessions" in data else None


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _render(
    folder: Path, template: str, version: LetterTemplateVersion, context: dict[str, Any]
) -> tuple[str, str, dict[str, LetterTemplateVersion]]:
    """(html, fingerprint, versions used) for one recipient."""
    if version.format == "docx":
        return "", version.sha256, {template: version}
    try:
        rendered = letter_templates.render_html(folder, template, context)
    except letter_templates.TemplateMissing as exc:
        raise NotFound(f"Letter template '{template}' uses a missing template: {exc}") from exc
    except SecurityError as exc:
        raise Invalid(
            f"Letter template '{template}' tried something the sandbox does not allow.",
            {"template": [str(exc)]},
        ) from exc
    return rendered.html, rendered.fingerprint, rendered.used


def generate_letters(
    actor: Any,
    *,
    case_id: int,
    case_fields: dict[str, Any],
    template: str,
    recipients: list[str],
    data: dict[str, Any],
    letters_dir: Path,
    council_name: str,
    today: date,
) -> list[Document]:
    """Render ``template`` once per recipient and record one ``Document`` each.

    Each document's file (PDF, or DOCX for a Word template) is made by the worker after commit.
    """
    if not recipients:
        raise Invalid("A letter needs at least one recipient.")
    if not isinstance(data, dict):
        raise Invalid("The letter data must be an object.")
    # names starting "_" are layouts that letters extend, not letters themselves
    is_letter = sandbox.TEMPLATE_NAME.match(template or "") and not template.startswith("_")
    version = letter_templates.current_version(letters_dir, template) if is_letter else None
    if version is None:
        raise NotFound(f"No letter template '{template}'.")
    session = current_session()
    documents: list[Document] = []
    for recipient in recipients:
        context = _json_safe(
            {
                "council": {"name": council_name},
                "case": case_fields,
                "recipient": recipient,
                "letter_date": str(data.get("letter_date") or today.isoformat()),
                "data": data,
                "figures": _figures(data),
            }
        )
        html, fingerprint, used = _render(letters_dir, template, version, context)
        document = Document(
            case_id=case_id,
            template=template,
            template_version=fingerprint,
            template_revision=version.version,
            templates_used={name: v.version for name, v in sorted(used.items())},
            format=version.format,
            recipient=recipient,
            data_hash=data_hash({"template": template, **context}),
            merge_data=context,
            html=html,
            created_at=utcnow(),
            file_status="pending",
        )
        session.add(document)
        session.flush()
        record_event(
            "document_generated",
            f"Letter {template} v{version.version} generated (document {document.id})",
            case_id=case_id,
            actor=actor,
            detail={
                "document_id": document.id,
                "template": template,
                "template_revision": version.version,
                "templates_used": document.templates_used,
                "template_version": document.template_version,
                "recipient": recipient,
                "data_hash": document.data_hash,
            },
        )
        enqueue("documents.render_pdf", document.id)
        documents.append(document)
    return documents


def _file_stem(document: Document) -> str:
    return (
        f"letters/{document.case_id}/{document.id}-{document.template}"
        f"-v{document.template_revision or 0}-{document.data_hash[:12]}"
    )


def _make_files(root: Path, snapshot: dict[str, Any]) -> dict[str, Any]:
    """Render and store the document's file(s); no database access."""
    stem = snapshot["stem"]
    if snapshot["format"] == "html":
        pdf = files.html_to_pdf(snapshot["html"])
        return {"pdf_path": f"{stem}.pdf", "pdf_sha256": files.store(root, f"{stem}.pdf", pdf)}
    if snapshot["docx_template"] is None:
        raise files.RenderFailed("the Word template version is missing")
    docx = files.render_docx(snapshot["docx_template"], snapshot["merge_data"] or {})
    stored = {"docx_path": f"{stem}.docx", "docx_sha256": files.store(root, f"{stem}.docx", docx)}
    pdf = files.docx_to_pdf(docx)
    if pdf is not None:
        stored.update(pdf_path=f"{stem}.pdf", pdf_sha256=files.store(root, f"{stem}.pdf", pdf))
    return stored


def _snapshot(document_id: int) -> dict[str, Any] | None:
    document = queries.get_document_unscoped(document_id)
    if document is None or document.file_status == "ready":
        return None
    template = None
    if document.format == "docx" and document.template_revision is not None:
        version = letter_templates.get_version(document.template, document.template_revision)
        template = version.docx if version is not None else None
    return {
        "format": document.format,
        "html": document.html,
        "merge_data": document.merge_data,
        "docx_template": template,
        "stem": _file_stem(document),
    }


def render_document_file(document_id: int) -> str:
    """Make and store the document's file(s) (idempotent); returns the resulting status.

    Runs in the worker: read in one short session, render with no transaction open, then record
    the paths and hashes in one short unit of work.
    """
    factory = current_app.extensions["db_sessions"]
    with read_session(factory):
        snapshot = _snapshot(document_id)
    if snapshot is None:
        return "skipped"
    try:
        stored = _make_files(files.documents_dir(current_app.config), snapshot)
        status, error = "ready", None
    except (files.RenderFailed, SecurityError) as exc:
        stored, status, error = {}, "failed", str(exc)[:300]
    except Exception as exc:  # a renderer bug must not hide the letter: record and show it
        current_app.logger.exception("rendering document %s failed", document_id)
        stored, status, error = {}, "failed", f"rendering failed ({type(exc).__name__})"
    with unit_of_work(factory):
        _record_file(document_id, stored, status, error)
    return status


def _record_file(document_id: int, stored: dict[str, Any], status: str, error: str | None) -> None:
    document = queries.get_document_unscoped(document_id)
    if document is None:
        return
    for key, value in stored.items():
        setattr(document, key, value)
    document.file_status, document.file_error = status, error
    document.rendered_at = utcnow()
    letter = f"Letter {document.template} (document {document.id})"
    if status == "ready":
        summary = f"{letter} stored as {'PDF' if document.pdf_path else 'DOCX'}"
    else:
        summary = f"{letter} could not be made: {error}"
    record_event(
        "document_rendered" if status == "ready" else "document_render_failed",
        summary,
        case_id=document.case_id,
        detail={"document_id": document.id, **stored, "error": error},
    )


def requeue_unrendered() -> int:
    """Queue the render again for documents whose render never happened (lost message)."""
    ids = queries.list_unrendered_documents(utcnow() - RENDER_GRACE)
    for document_id in ids:
        enqueue("documents.render_pdf", document_id)
    return len(ids)


def document_file(document: Document, wanted: str | None) -> tuple[Path | None, str, str]:
    """(path or None for the stored HTML, media type, extension) of the best available file."""
    root = files.documents_dir(current_app.config)
    choices = {
        "pdf": (document.pdf_path, "application/pdf"),
        "docx": (document.docx_path, DOCX_MEDIA_TYPE),
    }
    order = [wanted] if wanted else ["pdf", "docx", "html"]
    for kind in order:
        if kind == "html" and document.format == "html":
            return None, "text/html", "html"
        path, media_type = choices.get(kind, (None, ""))
        if path:
            target = files.resolve(root, path)
            if target.exists():
                return target, media_type, kind
    raise NotFound(f"This document has no {wanted or 'file'} yet.")


def save_template(
    actor: Any,
    *,
    name: str,
    content: str | None = None,
    docx: bytes | None = None,
    note: str | None = None,
    source: str = "api",
) -> tuple[LetterTemplateVersion, bool]:
    """Save new wording for a letter template as a new version; (version, created).

    The placeholders are checked against ``letters/contract.json`` first: an unknown one is an
    ``Invalid`` listing them, nothing is stored.  Saving the current wording again is a no-op.
    """
    if not can_edit_templates(actor):
        raise Forbidden("Only process owners and administrators can edit letter templates.")
    if not sandbox.TEMPLATE_NAME.match(name or ""):
        raise Invalid("The template name is not valid.", {"name": ["Use letters, digits, - or _"]})
    folder = letters_dir()
    if (content is None) == (docx is None):
        raise Invalid("Send either HTML content or a .docx file.", {"content": ["Required"]})
    if docx is not None:
        problems = sandbox.check_docx(name, docx, sandbox.load_contract(folder))
        digest = letter_templates.sha256_hex(docx)
    else:
        assert content is not None
        problems = letter_templates.html_problems(folder, name, content)
        digest = letter_templates.sha256_hex(content.encode())
    if problems:
        unknown = [p.split("'")[1] for p in problems if p.startswith("unknown placeholder")]
        raise Invalid(
            "The template has errors; nothing was saved.",
            {"content": problems},
            unknown_placeholders=unknown,
        )
    latest = letter_templates.current_version(folder, name)
    if latest is not None and latest.sha256 == digest:
        return latest, False
    version = letter_templates.add_version(
        name,
        fmt="docx" if docx is not None else "html",
        content=content or "",
        docx=docx,
        source=source,
        actor=actor,
        note=note,
    )
    record_event(
        "letter_template_saved",
        f"Letter template {name} saved as version {version.version}",
        actor=actor,
        detail={"name": name, "version": version.version, "sha256": version.sha256, "note": note},
    )
    return version, True


def list_templates(actor: Any) -> list[LetterTemplateVersion]:
    """The current version of every letter template (files picked up first)."""
    from app.documents.permissions import can_read_templates

    if not can_read_templates(actor):
        raise Forbidden("Only council staff can read letter templates.")
    letter_templates.sync_files(letters_dir())
    return queries.list_template_heads()


def template_history(actor: Any, name: str) -> list[LetterTemplateVersion]:
    """Every version of a template, newest first; NotFound when there is none."""
    from app.documents.permissions import can_read_templates

    if not can_read_templates(actor):
        raise Forbidden("Only council staff can read letter templates.")
    letter_templates.current_version(letters_dir(), name)
    versions = queries.list_template_versions(name) if sandbox.TEMPLATE_NAME.match(name) else []
    if not versions:
        raise NotFound(f"No letter template '{name}'.")
    return versions


def template_titles() -> dict[str, str]:
    """Letter titles from the contract, by template name."""
    return sandbox.load_contract(letters_dir()).titles
