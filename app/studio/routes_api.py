"""JSON endpoints for the studio's editors (``/studio/api``)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

import service_tasks
from app.core.errors import Invalid, NotFound
from app.core.web import reading, transaction
from app.process_models import get_draft, save_draft_file, validate_draft
from app.process_models.services import form_keys_in
from app.studio import services
from app.studio.blueprint import api_user, bp
from app.studio.editing import draft_references, preview_form
from app.studio.layout import ensure_layout


@bp.get("/api/operators")
def api_operators() -> Any:
    """Every registered service-task operator with its parameter names (for the panel)."""
    with reading():
        api_user()
    items = [
        {
            "name": spec.name,
            "description": spec.description,
            "required": sorted(spec.required_params),
            "optional": sorted(spec.optional_params),
        }
        for spec in sorted(service_tasks.operators().values(), key=lambda s: s.name)
    ]
    return jsonify({"items": items})


@bp.get("/api/models/<model_id>/draft/files/<path:name>")
def api_draft_file(model_id: str, name: str) -> Any:
    """One draft file (a diagram gets a generated layout if it has none) and the draft version."""
    with reading():
        api_user()
        draft = get_draft(model_id)
        if draft is None or name not in draft.files:
            raise NotFound(f"The draft of '{model_id}' has no file '{name}'.")
        text = draft.files[name]
        if name.endswith(".bpmn"):
            text = ensure_layout(text)
        forms = sorted(set(form_keys_in(draft.files)) | set(_disk_forms()))
        return jsonify(
            {
                "name": name,
                "text": text,
                "version": draft.version,
                "forms": forms,
                **draft_references(draft.files),
            }
        )


def _disk_forms() -> list[str]:
    from pathlib import Path

    from flask import current_app

    from app.forms import list_form_keys

    return list_form_keys(Path(current_app.config["FORMS_DIR"]))


@bp.put("/api/models/<model_id>/draft/files/<path:name>")
def api_save_file(model_id: str, name: str) -> Any:
    """Save one draft file: ``{"text", "expected_version"}`` -> the draft's new version."""
    body = _json_body()
    text = body.get("text")
    if not isinstance(text, str):
        raise Invalid("Send the file's text.", {"text": ["Send the file content as a string"]})
    expected = body.get("expected_version")
    with transaction():
        draft = save_draft_file(
            api_user(),
            model_id=model_id,
            name=name,
            text=text,
            expected_version=expected if isinstance(expected, int) else None,
        )
        version = draft.version
    return jsonify({"name": name, "version": version})


@bp.post("/api/models/<model_id>/draft/validate")
def api_validate(model_id: str) -> Any:
    """Every problem of the draft, each pointing at its file and element."""
    with reading():
        api_user()
        draft = get_draft(model_id)
        if draft is None:
            raise NotFound(f"There is no draft of '{model_id}'.")
        errors, warnings = validate_draft(draft)
    return jsonify(
        {
            "valid": not errors,
            "errors": [p.as_dict() for p in errors],
            "warnings": [p.as_dict() for p in warnings],
        }
    )


@bp.post("/api/forms/preview")
def api_form_preview() -> Any:
    """The form as the inbox would render it: ``{"schema", "ui"}`` (JSON texts) -> HTML."""
    body = _json_body()
    with reading():
        api_user()
    return jsonify(preview_form(str(body.get("schema", "")), body.get("ui")))


@bp.post("/api/cases/<int:case_id>/migrate")
def api_migrate_case(case_id: int) -> Any:
    """Move one case (the bulk page calls this per case to show progress)."""
    body = _json_body()
    to_version_id, expected = body.get("to_version_id"), body.get("expected_version")
    if not isinstance(to_version_id, int):
        raise Invalid("Say which version to move to.", {"to_version_id": ["Send a version id"]})
    with transaction():
        migration = services.migrate_one(
            api_user(),
            case_id=case_id,
            to_version_id=to_version_id,
            expected_version=expected if isinstance(expected, int) else None,
        )
        migration_id = migration.id
    return jsonify({"case_id": case_id, "moved": True, "migration_id": migration_id})


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object.", {"_root": ["Send a JSON object"]})
    return body
