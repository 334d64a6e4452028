"""The only writer of engine state: load -> engine -> save, projecting results onto rows.

Every run's outcome is applied in the caller's unit of work: the case's typed columns, the human
task projection and one audit event per thing that happened (service task run with its result,
gateway/DMN decision with what fired, timer fired, stage changed, case closed).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

import service_tasks
from app.audit import record_event
from app.cases.models import STATUTORY, Case, Task
from app.core.db import utcnow
from app.core.errors import AppError
from app.core.uow import current_session
from app.engine import EngineError, EngineResult, WorkflowEngine
from app.process_models import version_spec

_engine = WorkflowEngine(invoke_service=service_tasks.call)
#: a stage name a non-statutory process may set (it fits ``cases.stage``)
_STEP_NAME = re.compile(r"[a-z][a-z0-9_]{0,19}")


class StepFailed(AppError):
    """The engine could not run this case step; nothing of the step was stored."""

    status = 422
    code = "step_failed"


def engine() -> WorkflowEngine:
    """The shared engine adapter."""
    return _engine


def start(case: Case, data: dict[str, Any], actor: Any, now: datetime | None = None) -> None:
    """Start the case's workflow on its model version and apply the first run."""
    try:
        result = _engine.start(version_spec(case.model_version), data, now=now)
    except EngineError as exc:
        raise StepFailed(str(exc), element_id=exc.element_id) from exc
    apply(case, result, actor)


def complete(case: Case, task: Task, data: dict[str, Any], actor: Any) -> EngineResult:
    """Complete a human task in the engine and apply the run (TaskNotReady propagates)."""
    try:
        result = _engine.complete_task(
            version_spec(case.model_version),
            case.state,
            case.serializer_version,
            task.bpmn_task_id,
            data,
        )
    except EngineError as exc:
        raise StepFailed(str(exc), element_id=exc.element_id) from exc
    apply(case, result, actor)
    return result


def fire_timers(case: Case, now: datetime) -> EngineResult:
    """Fire the case's timers due at ``now`` (EngineError propagates to the caller)."""
    result = _engine.fire_due_timers(
        version_spec(case.model_version), case.state, case.serializer_version, now
    )
    for timer in result.fired_timers:
        record_event(
            "timer_fired",
            f"Timer '{timer['name'] or timer['element_id']}' fired",
            case_id=case.id,
            detail={**timer, "as_of": now.isoformat()},
        )
    apply(case, result, None, now=now)
    return result


def deliver_message(case: Case, name: str, payload: dict[str, Any], actor: Any) -> EngineResult:
    """Deliver a message to the case's workflow (NotWaiting propagates)."""
    try:
        result = _engine.send_message(
            version_spec(case.model_version), case.state, case.serializer_version, name, payload
        )
    except EngineError as exc:
        raise StepFailed(str(exc), element_id=exc.element_id) from exc
    record_event(
        "message_received",
        f"Message '{name}' received",
        case_id=case.id,
        actor=actor,
        detail={"name": name, "payload": payload},
    )
    apply(case, result, actor)
    return result


def apply(case: Case, result: EngineResult, actor: Any, now: datetime | None = None) -> None:
    """Write one engine run onto the case row, the task projection and the audit log."""
    case.state = result.state
    case.serializer_version = result.serializer_version
    case.next_timer_at = result.next_timer_at
    case.waiting_messages = list(result.waiting_messages)
    case.last_error = None
    for call in result.service_calls:
        record_event(
            "service_task_run",
            f"Service task '{call['element_id']}' ran {call['operator']}",
            case_id=case.id,
            detail=call,
        )
    for decision in result.decisions:
        record_event("decision_made", _decision_summary(decision), case_id=case.id, detail=decision)
    for stage in result.stage_changes:
        _set_stage(case, stage, actor)
    _sync_tasks(case, result, now or utcnow())
    if result.completed and case.kind != STATUTORY:
        outcome = result.data.get("process_result")
        case.result = dict(outcome) if isinstance(outcome, dict) else None
    if result.completed and case.status != "closed":
        _close(case, result, actor, now or utcnow())


def _decision_summary(decision: dict[str, Any]) -> str:
    if decision["kind"] == "dmn":
        rows = ", ".join(str(r["row"]) for r in decision.get("rules", [])) or "none"
        return f"Decision '{decision.get('name') or decision['element_id']}': rule(s) {rows} fired"
    taken = ", ".join(decision.get("taken", [])) or "nothing"
    return f"Gateway '{decision.get('name') or decision['element_id']}' took {taken}"


def _set_stage(case: Case, stage: str, actor: Any) -> None:
    if case.kind == STATUTORY:
        known = stage in current_app.config["STAGES"]
    else:
        # The school stage and targeting meetings name their own steps in their diagrams.
        known = _STEP_NAME.fullmatch(stage) is not None
    if not known:
        raise StepFailed(f"The diagram set an unknown stage '{stage}'.")
    if stage == case.stage:
        return
    record_event(
        "stage_changed",
        f"Stage changed from {case.stage} to {stage}",
        case_id=case.id,
        actor=actor,
        detail={"from": case.stage, "to": stage},
    )
    case.stage = stage


def _close(case: Case, result: EngineResult, actor: Any, now: datetime) -> None:
    reason = result.closure_reason or result.data.get("closure_reason")
    _set_stage(case, "closed", actor)
    case.status, case.closed_at, case.next_timer_at = "closed", now, None
    case.closure_reason = str(reason) if reason else None
    record_event(
        "case_closed",
        f"Case closed ({case.closure_reason or 'no reason recorded'})",
        case_id=case.id,
        actor=actor,
        detail={"closure_reason": case.closure_reason},
    )


def _sync_tasks(case: Case, result: EngineResult, now: datetime) -> None:
    session = current_session()
    open_tasks = {
        t.bpmn_task_id: t
        for t in session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open"))
    }
    lane_roles = current_app.config["LANE_ROLES"]
    ready_ids = set()
    for view in result.human_tasks:
        ready_ids.add(view.task_id)
        if view.task_id in open_tasks:
            continue
        task = Task(
            case_id=case.id,
            bpmn_task_id=view.task_id,
            element_id=view.element_id,
            title=view.title,
            lane=view.lane,
            role=lane_roles.get((view.lane or "adviser").lower(), "adviser"),
            form_name=view.form_key,
            status="open",
            created_at=now,
            due_at=now + timedelta(days=view.due_days) if view.due_days else None,
            data=dict(view.data),
        )
        if case.kind != STATUTORY and task.role == "adviser" and case.adviser_id is not None:
            # A school's link adviser owns its targeting meetings: their tasks go straight to them.
            task.assignee_id = case.adviser_id
        session.add(task)
        session.flush()
        record_event(
            "task_created",
            f"Task '{task.title}' is waiting for the {task.role}",
            case_id=case.id,
            detail={"task_id": task.id, "element_id": task.element_id, "role": task.role},
        )
    for bpmn_id, task in open_tasks.items():
        if bpmn_id not in ready_ids:
            task.status = "cancelled"
            task.completed_at = now
            record_event(
                "task_cancelled",
                f"Task '{task.title}' is no longer needed",
                case_id=case.id,
                detail={"task_id": task.id, "element_id": task.element_id},
            )
