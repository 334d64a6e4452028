"""Moving running cases onto a new model version: dry run, bulk move, undo.

The dry run classifies every open case of the model's other versions with the engine's
migration plan (as is / mapped / blocked, with reasons in plain words).  Each move runs in the
caller's unit of work (the bulk move opens one per case, so one refusal never undoes another),
checks the case's optimistic-lock version, keeps the state it had in ``case_migrations`` for an
undo, writes a ``case_migrated`` audit event and re-syncs the task projection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.accounts import permissions
from app.audit import record_event
from app.cases import Case, Task
from app.cases.runner import apply, engine
from app.core.db import utcnow
from app.core.errors import AppError, Conflict, Forbidden, NotFound
from app.core.uow import current_session, unit_of_work
from app.engine import (
    BLOCKED,
    EngineError,
    EngineResult,
    MigrationRefused,
    migrate_case,
    plan_migration,
    snapshot,
)
from app.process_models import ProcessModelVersion, get_version, get_version_by_id, version_spec
from app.studio.models import CaseMigration


@dataclass(frozen=True)
class CasePlan:
    """One open case's dry-run verdict."""

    case_id: int
    reference: str | None
    stage: str
    from_version: int
    case_version: int
    verdict: str
    reasons: tuple[str, ...]
    mappings: tuple[str, ...]
    current: tuple[str, ...]


def require_owner(actor: Any) -> Any:
    """``actor`` when they may manage process models (process owners and admins)."""
    if not permissions.can_manage_models(actor):
        raise Forbidden("Only process owners can manage process models.")
    return actor


def dry_run(actor: Any, *, model_id: str, to_version: int) -> list[CasePlan]:
    """Classify every open case of the model's other versions against version ``to_version``."""
    require_owner(actor)
    target = get_version(model_id, to_version)
    stmt = (
        select(Case)
        .join(ProcessModelVersion, Case.model_version_id == ProcessModelVersion.id)
        .where(
            ProcessModelVersion.model_id == model_id,
            Case.model_version_id != target.id,
            Case.status == "open",
        )
        .order_by(Case.id)
    )
    return [_plan_case(case, target) for case in current_session().scalars(stmt)]


def _plan_case(case: Case, target: ProcessModelVersion) -> CasePlan:
    try:
        plan = plan_migration(
            version_spec(case.model_version),
            version_spec(target),
            case.state,
            case.serializer_version,
        )
        verdict, reasons, current = plan.verdict, plan.reasons, plan.current
        mappings = tuple(_mapping_words(m) for m in plan.mappings)
    except Exception as exc:  # a state the diff cannot line up stays where it is, with the reason
        verdict, reasons, current, mappings = BLOCKED, (_cannot_compare(exc),), (), ()
    return CasePlan(
        case_id=case.id,
        reference=case.reference,
        stage=case.stage,
        from_version=case.model_version.version,
        case_version=case.version,
        verdict=verdict,
        reasons=reasons,
        mappings=mappings,
        current=current,
    )


def _mapping_words(mapping: Any) -> str:
    target = (
        f"'{mapping.new_name}'"
        if mapping.new_element_id == mapping.element_id
        else f"'{mapping.new_name}' ({mapping.new_element_id})"
    )
    changes = f": {', '.join(mapping.changes)} changed" if mapping.changes else ""
    return f"'{mapping.name}' becomes {target}{changes}"


def _cannot_compare(exc: Exception) -> str:
    return f"the new version cannot be lined up with this case ({exc.__class__.__name__}: {exc})"


def migrate_one(
    actor: Any, *, case_id: int, to_version_id: int, expected_version: int | None = None
) -> CaseMigration:
    """Move one open case onto another version of its model (in the current unit of work)."""
    require_owner(actor)
    session = current_session()
    case = session.get(Case, case_id)
    target = get_version_by_id(to_version_id)
    if case is None:
        raise NotFound(f"No case {case_id}.")
    source = case.model_version
    if source.model_id != target.model_id or case.model_version_id == target.id:
        raise Conflict("The case is not on another version of this model.")
    if case.status != "open":
        raise Conflict("Only open cases can be moved.")
    if expected_version is not None and expected_version != case.version:
        raise Conflict("The case changed since the dry run. Run the dry run again.")
    previous_state, previous_format = case.state, case.serializer_version
    try:
        plan, result = migrate_case(
            engine(), version_spec(source), version_spec(target), previous_state, previous_format
        )
    except MigrationRefused as exc:
        raise Conflict("The case cannot be moved: " + "; ".join(exc.reasons)) from exc
    except EngineError as exc:
        raise Conflict(f"The case cannot be moved: {exc}") from exc
    migration = CaseMigration(
        case_id=case.id,
        from_version_id=source.id,
        to_version_id=target.id,
        verdict=plan.verdict,
        previous_state=previous_state,
        previous_serializer_version=previous_format,
        migrated_by_id=getattr(actor, "id", None),
        migrated_by=actor.label,
        migrated_at=utcnow(),
    )
    session.add(migration)
    _switch(case, target, result, actor)
    session.flush()
    _record_move(actor, case, migration, plan, (source, target))
    return migration


def _record_move(
    actor: Any,
    case: Case,
    migration: CaseMigration,
    plan: Any,
    versions: tuple[ProcessModelVersion, ProcessModelVersion],
) -> None:
    source, target = versions
    record_event(
        "case_migrated",
        f"Case moved from {source.model_id} v{source.version} to v{target.version}",
        case_id=case.id,
        actor=actor,
        detail={
            "migration_id": migration.id,
            "model_id": target.model_id,
            "from_version": source.version,
            "to_version": target.version,
            "verdict": plan.verdict,
            "mappings": [_mapping_words(m) for m in plan.mappings],
        },
    )


def _switch(case: Case, version: ProcessModelVersion, result: EngineResult, actor: Any) -> None:
    """Point the case at ``version`` and project ``result`` (tasks re-synced)."""
    case.model_version_id = version.id
    case.model_version = version
    apply(case, result, actor)
    _resync_open_tasks(case, result)


def _resync_open_tasks(case: Case, result: EngineResult) -> None:
    """Open tasks the move kept (same engine task) take the new version's title, form and lane."""
    lane_roles = current_app.config["LANE_ROLES"]
    views = {view.task_id: view for view in result.human_tasks}
    stmt = select(Task).where(Task.case_id == case.id, Task.status == "open")
    for task in current_session().scalars(stmt):
        view = views.get(task.bpmn_task_id)
        if view is None:
            continue
        task.element_id, task.title, task.lane = view.element_id, view.title, view.lane
        task.form_name = view.form_key
        task.role = lane_roles.get((view.lane or "adviser").lower(), "adviser")


def migrate_cases(
    actor: Any, *, to_version_id: int, cases: Iterable[tuple[int, int | None]], factory: Any
) -> list[dict[str, Any]]:
    """Move each (case id, expected version) in its own unit of work; report every outcome."""
    require_owner(actor)
    outcomes = []
    for case_id, expected in cases:
        try:
            with unit_of_work(factory):
                migration = migrate_one(
                    actor, case_id=case_id, to_version_id=to_version_id, expected_version=expected
                )
                outcomes.append(
                    {
                        "case_id": case_id,
                        "moved": True,
                        "migration_id": migration.id,
                        "message": "moved",
                    }
                )
        except AppError as exc:
            outcomes.append({"case_id": case_id, "moved": False, "message": exc.message})
    return outcomes


def undo_migration(actor: Any, *, migration_id: int) -> CaseMigration:
    """Put a moved case back on its previous version with the state it had before the move."""
    require_owner(actor)
    session = current_session()
    migration = session.get(CaseMigration, migration_id)
    if migration is None:
        raise NotFound(f"No case move {migration_id}.")
    if migration.undone_at is not None:
        raise Conflict("This move has already been undone.")
    case = session.get(Case, migration.case_id)
    if case is None or case.model_version_id != migration.to_version_id:
        raise Conflict("The case is no longer on the version it was moved to.")
    if _moved_on_since(case.id, migration):
        raise Conflict("Work has been done on the case since it was moved; undoing would lose it.")
    previous = get_version_by_id(migration.from_version_id)
    result = snapshot(
        version_spec(previous), migration.previous_state, migration.previous_serializer_version
    )
    _switch(case, previous, result, actor)
    migration.undone_at, migration.undone_by = utcnow(), actor.label
    session.flush()
    record_event(
        "case_migration_undone",
        f"Move to v{get_version_by_id(migration.to_version_id).version} undone: case is back on "
        f"{previous.model_id} v{previous.version}",
        case_id=case.id,
        actor=actor,
        detail={"migration_id": migration.id, "to_version": previous.version},
    )
    return migration


#: audit events a move itself writes (anything else after it means the case moved on)
_MOVE_EVENTS = frozenset({"case_migrated", "task_created", "task_cancelled", "decision_made"})


def _moved_on_since(case_id: int, migration: CaseMigration) -> bool:
    from app.audit import AuditEvent

    stmt = select(AuditEvent.event_type, AuditEvent.detail).where(
        AuditEvent.case_id == case_id, AuditEvent.at >= migration.migrated_at
    )
    rows = current_session().execute(stmt.order_by(AuditEvent.id)).all()
    started = False
    for event_type, detail in rows:
        if event_type == "case_migrated" and (detail or {}).get("migration_id") == migration.id:
            started = True
        elif started and event_type not in _MOVE_EVENTS:
            return True
    return False


def list_migrations(model_id: str, limit: int = 200) -> list[CaseMigration]:
    """The latest case moves of a model, newest first."""
    stmt = (
        select(CaseMigration)
        .join(ProcessModelVersion, CaseMigration.to_version_id == ProcessModelVersion.id)
        .where(ProcessModelVersion.model_id == model_id)
        .order_by(CaseMigration.id.desc())
        .limit(limit)
    )
    return list(current_session().scalars(stmt))
