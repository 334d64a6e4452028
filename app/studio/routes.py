"""Studio pages: models, drafts (edit, upload, validate, deploy) and version history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from app.core.errors import Invalid
from app.core.web import reading, transaction
from app.process_models import (
    delete_draft_file,
    deploy_draft,
    diff_between,
    diff_of_draft,
    discard_draft,
    get_draft,
    get_version,
    highest_version,
    list_drafts,
    list_models,
    list_versions,
    save_draft_file,
    start_draft,
    validate_draft,
)
from app.studio.blueprint import attachment, bp, page_user

_MIMETYPES = {".bpmn": "application/xml", ".dmn": "application/xml", ".json": "application/json"}


@bp.get("/")
def index() -> Any:
    with reading():
        page_user()
        return render_template("studio/index.html", models=list_models(), drafts=list_drafts())


@bp.post("/models")
def new_model() -> Any:
    model_id = request.form.get("model_id", "").strip()
    with transaction():
        start_draft(page_user(), model_id=model_id)
    return redirect(url_for("studio.draft", model_id=model_id))


@bp.get("/models/<model_id>")
def model(model_id: str) -> Any:
    with reading():
        page_user()
        draft = get_draft(model_id)
        versions = list_versions(model_id) if draft is None or highest_version(model_id) else []
        return render_template(
            "studio/model.html", model_id=model_id, versions=versions, draft=draft
        )


@bp.post("/models/<model_id>/draft")
def begin_draft(model_id: str) -> Any:
    with transaction():
        start_draft(page_user(), model_id=model_id)
    return redirect(url_for("studio.draft", model_id=model_id))


@bp.get("/models/<model_id>/draft")
def draft(model_id: str) -> Any:
    with reading():
        page_user()
        return _draft_page(model_id)


def _draft_page(model_id: str, problems: Any = None, status: int = 200, **extra: Any) -> Any:
    current = get_draft(model_id)
    if current is None:
        return redirect(url_for("studio.model", model_id=model_id))
    page = render_template(
        "studio/draft.html",
        model_id=model_id,
        draft=current,
        files=sorted(current.files),
        diff=diff_of_draft(current),
        problems=problems,
        base=highest_version(model_id),
        **extra,
    )
    return page, status


@bp.post("/models/<model_id>/draft/validate")
def validate(model_id: str) -> Any:
    with reading():
        page_user()
        current = get_draft(model_id)
        if current is None:
            return redirect(url_for("studio.model", model_id=model_id))
        errors, warnings = validate_draft(current)
        return _draft_page(model_id, problems={"errors": errors, "warnings": warnings})


@bp.post("/models/<model_id>/draft/upload")
def upload(model_id: str) -> Any:
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        raise Invalid("Choose a file to upload.", {"file": ["Choose a .bpmn, .dmn or .json file"]})
    name = _upload_name(upload_file.filename)
    text = upload_file.read().decode("utf-8", errors="replace")
    with transaction():
        save_draft_file(page_user(), model_id=model_id, name=name, text=text)
    flash(f"{name} uploaded to the draft.", "success")
    return redirect(url_for("studio.draft", model_id=model_id))


def _upload_name(filename: str) -> str:
    """A form's files go under forms/; diagrams and tables keep their name."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return f"forms/{base}" if base.endswith(".json") else base


@bp.get("/models/<model_id>/draft/files/<path:name>")
def download_draft_file(model_id: str, name: str) -> Any:
    with reading():
        page_user()
        current = get_draft(model_id)
        if current is None or name not in current.files:
            raise Invalid(f"The draft has no file '{name}'.")
        return attachment(current.files[name], name, _mimetype(name))


@bp.post("/models/<model_id>/draft/files/<path:name>/delete")
def delete_file(model_id: str, name: str) -> Any:
    with transaction():
        delete_draft_file(page_user(), model_id=model_id, name=name)
    flash(f"{name} removed from the draft.", "success")
    return redirect(url_for("studio.draft", model_id=model_id))


@bp.post("/models/<model_id>/draft/deploy")
def deploy(model_id: str) -> Any:
    effective = _effective_from(request.form.get("effective_from", ""))
    with transaction():
        version = deploy_draft(
            page_user(),
            model_id=model_id,
            note=request.form.get("note", ""),
            effective_from=effective,
            expected_version=_int(request.form.get("draft_version")),
        )
        number = version.version
    flash(f"Deployed {model_id} version {number}.", "success")
    return redirect(url_for("studio.version", model_id=model_id, number=number))


def _effective_from(text: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        day = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            "The effective-from date is not valid.",
            {"effective_from": ["Enter a date like 2027-02-01"]},
        ) from None
    return day if day.tzinfo else day.replace(tzinfo=UTC)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


@bp.post("/models/<model_id>/draft/discard")
def discard(model_id: str) -> Any:
    with transaction():
        discard_draft(page_user(), model_id=model_id)
    flash("The draft was discarded.", "success")
    return redirect(url_for("studio.model", model_id=model_id))


@bp.get("/models/<model_id>/versions/<int:number>")
def version(model_id: str, number: int) -> Any:
    with reading():
        page_user()
        current = get_version(model_id, number)
        against = _int(request.args.get("against")) or (number - 1)
        diff = diff_between(model_id, against, number) if 0 < against != number else None
        return render_template(
            "studio/version.html",
            model_id=model_id,
            version=current,
            files=sorted(current.files),
            diff=diff,
            against=against,
            versions=list_versions(model_id),
        )


@bp.get("/models/<model_id>/versions/<int:number>/files/<path:name>")
def download_version_file(model_id: str, number: int, name: str) -> Any:
    with reading():
        page_user()
        files = get_version(model_id, number).files
        if name not in files:
            raise Invalid(f"Version {number} has no file '{name}'.")
        return attachment(files[name], name, _mimetype(name))


def _mimetype(name: str) -> str:
    return next((m for s, m in _MIMETYPES.items() if name.endswith(s)), "text/plain")


@bp.get("/models/<model_id>/draft/edit/<path:name>")
def editor(model_id: str, name: str) -> Any:
    """The editor for one draft file: bpmn-js, dmn-js or the form editor."""
    with reading():
        page_user()
        current = get_draft(model_id)
        if current is None or name not in current.files:
            return redirect(url_for("studio.draft", model_id=model_id))
        template = (
            "studio/modeler.html"
            if name.endswith(".bpmn")
            else "studio/dmn.html"
            if name.endswith(".dmn")
            else "studio/form_editor.html"
        )
        return render_template(template, model_id=model_id, name=name, draft=current)
