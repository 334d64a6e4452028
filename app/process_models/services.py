"""Deploying process models: validate, snapshot forms, store an immutable version."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select

import service_tasks
from app.audit import record_event
from app.core.db import utcnow
from app.core.errors import Invalid, NotFound
from app.core.uow import current_session
from app.engine import (
    ModelCatalog,
    ModelInvalid,
    OperatorInfo,
    Problem,
    compile_model,
    content_hash,
    spec_to_dict,
)
from app.forms import (
    FormDefinition,
    FormError,
    form_file_names,
    form_from_texts,
    list_form_keys,
    load_form,
)
from app.process_models.models import ProcessModelVersion

FORMS_PREFIX = "forms/"


#: what the application seeds into a new workflow's data: a case's notification and row
#: (cases.services.open_case); a school stage's or targeting meeting's ``process`` row and the
#: ``pupil``/``school``/``parents``/``term``/``watch_list`` their starters pass (start_process)
SEEDED_DATA = frozenset(
    {"notification", "case", "process", "pupil", "school", "parents", "term", "watch_list"}
)


def build_catalog(forms_dir: Path, form_texts: Mapping[str, str] | None = None) -> ModelCatalog:
    """What a model may refer to: the forms (on disk, or given as ``forms/<name>`` texts, e.g. a
    draft's), the registered operators and the lanes."""
    form_texts = form_texts or {}
    keys = set(list_form_keys(forms_dir)) | set(form_keys_in(form_texts))
    fields: dict[str, frozenset[str]] = {}
    for key in keys:
        schema_text = form_texts.get(FORMS_PREFIX + form_file_names(key)[0])
        if schema_text is None:
            path = forms_dir / form_file_names(key)[0]
            schema_text = path.read_text(encoding="utf-8") if path.is_file() else "{}"
        fields[key] = _top_level_fields(schema_text)
    return ModelCatalog(
        forms=frozenset(keys),
        operators={
            name: OperatorInfo(name, spec.required_params, spec.optional_params)
            for name, spec in service_tasks.operators().items()
        },
        lanes=dict(current_app.config["LANE_ROLES"]),
        form_fields=fields,
        seeded=SEEDED_DATA,
    )


def form_keys_in(files: Mapping[str, Any]) -> list[str]:
    """The form keys of the ``forms/<key>.schema.json`` entries among ``files``."""
    suffix = ".schema.json"
    return sorted(
        name[len(FORMS_PREFIX) : -len(suffix)]
        for name in files
        if name.startswith(FORMS_PREFIX) and name.endswith(suffix)
    )


def _top_level_fields(schema_text: str) -> frozenset[str]:
    try:
        schema = json.loads(schema_text)
    except json.JSONDecodeError:
        return frozenset()
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return frozenset(properties) if isinstance(properties, dict) else frozenset()


def read_model_dir(model_dir: Path) -> dict[str, bytes]:
    """The BPMN and DMN files of one model folder, by file name."""
    return {
        p.name: p.read_bytes()
        for p in sorted(model_dir.iterdir())
        if p.is_file() and p.suffix in (".bpmn", ".dmn")
    }


def _snapshot_forms(
    forms_dir: Path, keys: set[str], form_texts: Mapping[str, str] | None = None
) -> tuple[dict[str, bytes], list[Problem]]:
    """The forms a version uses (given texts win over forms on disk), each checked."""
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    for key in sorted(keys):
        schema_name, ui_name = form_file_names(key)
        given = form_texts or {}
        try:
            if FORMS_PREFIX + schema_name in given:
                form_from_texts(
                    key, given[FORMS_PREFIX + schema_name], given.get(FORMS_PREFIX + ui_name)
                )
                texts = {n: given.get(FORMS_PREFIX + n) for n in (schema_name, ui_name)}
            else:
                load_form(forms_dir, key)
                texts = {
                    n: (forms_dir / n).read_text(encoding="utf-8")
                    for n in (schema_name, ui_name)
                    if (forms_dir / n).exists()
                }
        except FormError as exc:
            problems.extend(Problem(f"forms/{key}", None, p) for p in exc.problems or [str(exc)])
            continue
        files.update({FORMS_PREFIX + n: t.encode() for n, t in texts.items() if t is not None})
    return files, problems


def deploy_model(
    actor: Any,
    *,
    model_id: str,
    files: Mapping[str, bytes],
    forms_dir: Path,
    note: str | None = None,
    effective_from: datetime | None = None,
    form_texts: Mapping[str, str] | None = None,
) -> tuple[ProcessModelVersion, bool]:
    """Validate and store a new version; returns (version, created).

    Deploying content identical to the latest version creates nothing.  Invalid models raise
    ``Invalid`` whose ``problems`` detail lists every (file, element id, message).  New cases
    start on the version from ``effective_from`` on (default: at once); ``form_texts`` are
    forms (``forms/<name>`` -> text, e.g. from a draft) that win over ``forms_dir``.
    """
    diagrams = {n: c for n, c in files.items() if not n.startswith(FORMS_PREFIX)}
    try:
        parsed = compile_model(diagrams, model_id, build_catalog(forms_dir, form_texts))
    except ModelInvalid as exc:
        raise _invalid(model_id, exc.problems) from exc
    forms_needed = set(parsed.forms_used)
    if model_id == current_app.config["CASE_PROCESS_MODEL"]:
        forms_needed.add("notification")
    form_files, problems = _snapshot_forms(forms_dir, forms_needed, form_texts)
    if problems:
        raise _invalid(model_id, problems)
    all_files = {**diagrams, **form_files}
    digest = content_hash(all_files)
    latest = highest_version(model_id)
    if latest is not None and latest.content_hash == digest:
        return latest, False
    version = ProcessModelVersion(
        model_id=model_id,
        version=(latest.version if latest else 0) + 1,
        content_hash=digest,
        files={name: content.decode("utf-8") for name, content in all_files.items()},
        spec=spec_to_dict(parsed),
        serializer_version=_serializer_version(),
        note=note,
        deployed_by_id=getattr(actor, "id", None),
        deployed_by=getattr(actor, "label", None) or "system",
        effective_from=effective_from,
    )
    session = current_session()
    session.add(version)
    session.flush()
    _record_deployment(actor, version, effective_from)
    return version, True


def _record_deployment(
    actor: Any, version: ProcessModelVersion, effective_from: datetime | None
) -> None:
    record_event(
        "model_deployed",
        f"Deployed {version.model_id} version {version.version}",
        actor=actor,
        detail={
            "model_id": version.model_id,
            "version": version.version,
            "content_hash": version.content_hash,
            "note": version.note,
            **({"effective_from": effective_from.isoformat()} if effective_from else {}),
        },
    )


def _serializer_version() -> str:
    from app.engine import SERIALIZER_VERSION

    return SERIALIZER_VERSION


def _invalid(model_id: str, problems: list[Problem]) -> Invalid:
    return Invalid(
        f"The process model '{model_id}' cannot be deployed: {len(problems)} problem(s).",
        problems=[p.as_dict() for p in problems],
    )


def deploy_directory(
    actor: Any, bpmn_dir: Path, forms_dir: Path
) -> list[tuple[ProcessModelVersion, bool]]:
    """Deploy every model folder under ``bpmn_dir`` (all or nothing)."""
    results = []
    folders = [d for d in sorted(bpmn_dir.iterdir()) if d.is_dir() and read_model_dir(d)]
    if not folders:
        raise Invalid(f"No process models found under {bpmn_dir}.")
    for folder in folders:
        results.append(
            deploy_model(
                actor, model_id=folder.name, files=read_model_dir(folder), forms_dir=forms_dir
            )
        )
    return results


def latest_version(model_id: str, at: datetime | None = None) -> ProcessModelVersion | None:
    """The version new cases start on: the highest one in effect ``at`` (default now)."""
    instant = at or utcnow()
    stmt = (
        select(ProcessModelVersion)
        .where(
            ProcessModelVersion.model_id == model_id,
            or_(
                ProcessModelVersion.effective_from.is_(None),
                ProcessModelVersion.effective_from <= instant,
            ),
        )
        .order_by(ProcessModelVersion.version.desc())
        .limit(1)
    )
    return current_session().scalars(stmt).first()


def highest_version(model_id: str) -> ProcessModelVersion | None:
    """The highest deployed version of ``model_id``, in effect yet or not."""
    stmt = (
        select(ProcessModelVersion)
        .where(ProcessModelVersion.model_id == model_id)
        .order_by(ProcessModelVersion.version.desc())
        .limit(1)
    )
    return current_session().scalars(stmt).first()


def list_models() -> list[dict[str, Any]]:
    """Every deployed model with its latest version number and deployment time."""
    session = current_session()
    rows = session.execute(
        select(
            ProcessModelVersion.model_id,
            func.max(ProcessModelVersion.version),
            func.max(ProcessModelVersion.deployed_at),
            func.count(),
        )
        .group_by(ProcessModelVersion.model_id)
        .order_by(ProcessModelVersion.model_id)
    ).all()
    return [
        {"id": m, "latest_version": v, "last_deployed_at": at, "version_count": n}
        for m, v, at, n in rows
    ]


def list_versions(model_id: str) -> list[ProcessModelVersion]:
    """All versions of a model, newest first; NotFound for an unknown model."""
    stmt = (
        select(ProcessModelVersion)
        .where(ProcessModelVersion.model_id == model_id)
        .order_by(ProcessModelVersion.version.desc())
    )
    versions = list(current_session().scalars(stmt))
    if not versions:
        raise NotFound(f"No process model '{model_id}'.")
    return versions


#: (version id, content hash) -> stored spec; deployed versions are immutable
_spec_cache: dict[tuple[int, str], dict[str, Any]] = {}


def version_spec(version: ProcessModelVersion) -> dict[str, Any]:
    """The version's serialized specs, decoded once per process (the column is deferred)."""
    key = (version.id, version.content_hash)
    spec = _spec_cache.get(key)
    if spec is None:
        if len(_spec_cache) > 64:
            _spec_cache.clear()
        spec = _spec_cache[key] = version.spec
    return spec


#: (version id, content hash, form key) -> form; deployed versions are immutable
_form_cache: dict[tuple[int, str, str], FormDefinition] = {}


def version_form(version: ProcessModelVersion, key: str) -> FormDefinition:
    """A form as snapshotted into a deployed version (forms are pinned to the version)."""
    cache_key = (version.id, version.content_hash, key)
    cached = _form_cache.get(cache_key)
    if cached is not None:
        return cached
    form = _load_version_form(version, key)
    if len(_form_cache) > 512:
        _form_cache.clear()
    _form_cache[cache_key] = form
    return form


def _load_version_form(version: ProcessModelVersion, key: str) -> FormDefinition:
    schema_name, ui_name = form_file_names(key)
    schema_text = version.files.get(FORMS_PREFIX + schema_name)
    if schema_text is None:
        raise NotFound(f"Form '{key}' is not part of {version.model_id} v{version.version}.")
    return form_from_texts(key, schema_text, version.files.get(FORMS_PREFIX + ui_name))


def current_form(key: str, forms_dir: Path) -> FormDefinition:
    """A form as systems should build payloads for it: the deployed case model's copy first."""
    version = latest_version(current_app.config["CASE_PROCESS_MODEL"])
    if version is not None and FORMS_PREFIX + form_file_names(key)[0] in version.files:
        return version_form(version, key)
    try:
        return load_form(forms_dir, key)
    except FormError as exc:
        raise NotFound(f"No form '{key}'.") from exc
