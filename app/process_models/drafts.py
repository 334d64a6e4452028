"""Drafts: a model's files being edited, validated and finally deployed as a new version.

A draft is the only mutable copy of a model.  It starts from the highest deployed version (its
diagrams, decision tables and the snapshot of its forms), is saved file by file, and is never run
by a case: cases run deployed versions only.  Deploying a draft validates it, stores an immutable
version with a change note and an effective-from date, and removes the draft.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.accounts import permissions
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.uow import current_session
from app.engine import ModelInvalid, Problem, compile_model, spec_to_dict, validate_model
from app.forms import FormError, form_file_names, form_from_texts
from app.process_models.models import ProcessModelDraft, ProcessModelVersion
from app.process_models.services import (
    FORMS_PREFIX,
    build_catalog,
    deploy_model,
    form_keys_in,
    highest_version,
)

#: what a draft may hold: diagrams, decision tables and forms
_FILE_NAME = re.compile(
    r"(?:[A-Za-z0-9][A-Za-z0-9_.-]*\.(?:bpmn|dmn)|forms/[a-z][a-z0-9_]*\.(?:schema|ui)\.json)"
)
_MODEL_ID = re.compile(r"[a-z][a-z0-9_]{0,99}")
#: the largest file a draft accepts (the biggest pathway diagram is about 120 kB)
MAX_FILE_BYTES = 2 * 1024 * 1024


def _require_owner(actor: Any) -> None:
    if not permissions.can_manage_models(actor):
        raise Forbidden("Only process owners can edit process models.")


def get_draft(model_id: str) -> ProcessModelDraft | None:
    """The model's draft, if someone has started one."""
    stmt = select(ProcessModelDraft).where(ProcessModelDraft.model_id == model_id)
    return current_session().scalars(stmt).first()


def list_drafts() -> list[ProcessModelDraft]:
    """Every draft in progress, by model id."""
    stmt = select(ProcessModelDraft).order_by(ProcessModelDraft.model_id)
    return list(current_session().scalars(stmt))


def start_draft(actor: Any, *, model_id: str) -> ProcessModelDraft:
    """The model's draft, started from its highest deployed version when there is none yet."""
    _require_owner(actor)
    if not _MODEL_ID.fullmatch(model_id):
        raise Invalid(
            "The model id is not valid.",
            {"model_id": ["Use lower-case letters, digits and _ (it is the main process id)"]},
        )
    draft = get_draft(model_id)
    if draft is not None:
        return draft
    base = highest_version(model_id)
    draft = ProcessModelDraft(
        model_id=model_id,
        files=dict(base.files) if base is not None else {},
        based_on_version_id=base.id if base is not None else None,
        updated_by_id=getattr(actor, "id", None),
        updated_by=actor.label,
        updated_at=utcnow(),
    )
    current_session().add(draft)
    current_session().flush()
    return draft


def _editable_draft(actor: Any, model_id: str, expected_version: int | None) -> ProcessModelDraft:
    _require_owner(actor)
    draft = get_draft(model_id)
    if draft is None:
        raise NotFound(f"There is no draft of '{model_id}'.")
    if expected_version is not None and expected_version != draft.version:
        raise Conflict(
            "Someone else saved this draft since you opened it. Reload it and make your change "
            "again."
        )
    return draft


def save_draft_file(
    actor: Any, *, model_id: str, name: str, text: str, expected_version: int | None = None
) -> ProcessModelDraft:
    """Add or replace one file of the draft (content is checked by validate, not here)."""
    if not _FILE_NAME.fullmatch(name):
        raise Invalid(
            "This file cannot be part of a process model.",
            {"name": ["Use a .bpmn or .dmn file, or forms/<key>.schema.json / .ui.json"]},
        )
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise Invalid("The file is too large.", {"text": ["Files can be at most 2 MB"]})
    draft = _editable_draft(actor, model_id, expected_version)
    draft.files = {**draft.files, name: text}
    _touch(draft, actor)
    return draft


def delete_draft_file(
    actor: Any, *, model_id: str, name: str, expected_version: int | None = None
) -> ProcessModelDraft:
    """Remove one file from the draft."""
    draft = _editable_draft(actor, model_id, expected_version)
    if name not in draft.files:
        raise NotFound(f"The draft has no file '{name}'.")
    draft.files = {n: t for n, t in draft.files.items() if n != name}
    _touch(draft, actor)
    return draft


def discard_draft(actor: Any, *, model_id: str) -> None:
    """Throw the draft away (deployed versions are untouched)."""
    draft = _editable_draft(actor, model_id, None)
    current_session().delete(draft)
    current_session().flush()


def _touch(draft: ProcessModelDraft, actor: Any) -> None:
    draft.updated_by_id = getattr(actor, "id", None)
    draft.updated_by = actor.label
    draft.updated_at = utcnow()
    current_session().flush()


def validate_draft(draft: ProcessModelDraft) -> tuple[list[Problem], list[Problem]]:
    """Every (error, warning) of the draft: diagrams, decision tables and its forms."""
    forms_dir = Path(current_app.config["FORMS_DIR"])
    form_texts = {n: t for n, t in draft.files.items() if n.startswith(FORMS_PREFIX)}
    form_problems = _form_problems(form_texts)
    diagrams = {
        n: t.encode("utf-8") for n, t in draft.files.items() if n.endswith((".bpmn", ".dmn"))
    }
    errors, warnings = validate_model(
        diagrams, draft.model_id, build_catalog(forms_dir, form_texts)
    )
    return form_problems + errors, warnings


def draft_spec(draft: ProcessModelDraft) -> dict[str, Any]:
    """The draft compiled into a spec (in memory only), for replays; Invalid if it has errors."""
    forms_dir = Path(current_app.config["FORMS_DIR"])
    form_texts = {n: t for n, t in draft.files.items() if n.startswith(FORMS_PREFIX)}
    diagrams = {
        n: t.encode("utf-8") for n, t in draft.files.items() if n.endswith((".bpmn", ".dmn"))
    }
    try:
        parsed = compile_model(diagrams, draft.model_id, build_catalog(forms_dir, form_texts))
    except ModelInvalid as exc:
        raise Invalid(
            f"The draft has {len(exc.problems)} problem(s): validate it first.",
            problems=[p.as_dict() for p in exc.problems],
        ) from exc
    return spec_to_dict(parsed)


def _form_problems(form_texts: dict[str, str]) -> list[Problem]:
    problems = []
    for key in form_keys_in(form_texts):
        schema_name, ui_name = form_file_names(key)
        try:
            form_from_texts(
                key, form_texts[FORMS_PREFIX + schema_name], form_texts.get(FORMS_PREFIX + ui_name)
            )
        except FormError as exc:
            problems.extend(Problem(FORMS_PREFIX + schema_name, None, p) for p in exc.problems)
    for name in form_texts:
        if (
            name.endswith(".ui.json")
            and FORMS_PREFIX + form_file_names(name[len(FORMS_PREFIX) : -len(".ui.json")])[0]
            not in form_texts
        ):
            problems.append(Problem(name, None, "a UI schema without its .schema.json"))
    return problems


def deploy_draft(
    actor: Any,
    *,
    model_id: str,
    note: str,
    effective_from: datetime | None = None,
    expected_version: int | None = None,
) -> ProcessModelVersion:
    """Deploy the draft as a new immutable version (with a change note), then drop the draft."""
    draft = _editable_draft(actor, model_id, expected_version)
    if not note or not note.strip():
        raise Invalid("Say what changed and why.", {"note": ["Enter a change note"]})
    form_problems = _form_problems(
        {n: t for n, t in draft.files.items() if n.startswith(FORMS_PREFIX)}
    )
    if form_problems:
        raise Invalid(
            f"The process model '{model_id}' cannot be deployed: {len(form_problems)} problem(s).",
            problems=[p.as_dict() for p in form_problems],
        )
    files = {n: t.encode("utf-8") for n, t in draft.files.items()}
    form_texts = {n: t for n, t in draft.files.items() if n.startswith(FORMS_PREFIX)}
    version, created = deploy_model(
        actor,
        model_id=model_id,
        files=files,
        forms_dir=Path(current_app.config["FORMS_DIR"]),
        note=note.strip(),
        effective_from=effective_from,
        form_texts=form_texts,
    )
    if not created:
        raise Conflict(f"The draft is the same as version {version.version}: nothing to deploy.")
    current_session().delete(draft)
    current_session().flush()
    return version
