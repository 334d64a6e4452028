"""Running case workflows: start, complete a human task, fire due timers.

Every operation takes a stored state (or a spec, to start), runs the engine to its next wait
under the engine clock, and returns an ``EngineResult``: plain data the application persists.
No SpiffWorkflow object crosses this module's boundary.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import (
    MessageEventDefinition as SpiffMessageEventDefinition,
)
from SpiffWorkflow.util.task import TaskState

from app.engine import clock
from app.engine.scripting import (
    CaseScriptEngine,
    SandboxViolation,
    ServiceCallFailed,
    ServiceInvoker,
)
from app.engine.serializer import SERIALIZER_VERSION, dump_state, load_state, restore_specs
from app.engine.specs import form_key_of


class EngineError(Exception):
    """A case step failed inside the engine (script error, sandbox refusal, service failure)."""

    def __init__(self, message: str, element_id: str | None = None) -> None:
        self.message = message
        self.element_id = element_id
        where = f" at '{element_id}'" if element_id else ""
        super().__init__(f"The process step failed{where}: {message}")


class TaskNotReady(Exception):
    """The human task is no longer waiting to be completed."""


class NotWaiting(Exception):
    """The workflow is not waiting for the message that was sent."""


@dataclass(frozen=True)
class HumanTaskView:
    """A READY human task as the application sees it."""

    task_id: str
    element_id: str
    title: str
    lane: str | None
    form_key: str | None
    due_days: int | None
    data: Mapping[str, Any]


@dataclass(frozen=True)
class EngineResult:
    """Everything one engine run produced, as plain data."""

    state: str
    serializer_version: str
    completed: bool
    human_tasks: tuple[HumanTaskView, ...]
    service_calls: tuple[dict[str, Any], ...]
    decisions: tuple[dict[str, Any], ...]
    fired_timers: tuple[dict[str, Any], ...]
    stage_changes: tuple[str, ...]
    closure_reason: str | None
    next_timer_at: datetime | None
    data: Mapping[str, Any]
    #: names of the messages the workflow is waiting for (e.g. pupil_left_roll)
    waiting_messages: tuple[str, ...] = ()


class WorkflowEngine:
    """The application's only handle on SpiffWorkflow."""

    def __init__(self, invoke_service: ServiceInvoker) -> None:
        self._invoke_service = invoke_service

    def start(
        self, spec_dict: dict[str, Any], data: Mapping[str, Any], now: datetime | None = None
    ) -> EngineResult:
        """Start a workflow with ``data`` seeded on the root task and run it to its first wait."""
        spec, subs = restore_specs(spec_dict)
        engine = CaseScriptEngine(self._invoke_service)
        workflow = BpmnWorkflow(spec, subs, script_engine=engine)
        workflow.task_tree.data.update(dict(data))
        with clock.engine_clock(now):
            return self._run(workflow, engine, lambda: None)

    def complete_task(
        self,
        spec_dict: dict[str, Any],
        state: str,
        serializer_version: str,
        task_id: str,
        data: Mapping[str, Any],
        now: datetime | None = None,
    ) -> EngineResult:
        """Complete a READY human task with the submitted form data and run on."""
        workflow, engine = self._load(spec_dict, state, serializer_version)
        task = _find_task(workflow, task_id)
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(task_id)

        def complete() -> None:
            task.set_data(**dict(data))
            task.run()

        with clock.engine_clock(now):
            return self._run(workflow, engine, complete)

    def fire_due_timers(
        self, spec_dict: dict[str, Any], state: str, serializer_version: str, now: datetime
    ) -> EngineResult:
        """Fire every timer due at or before ``now`` (the engine clock reads ``now`` throughout).

        SpiffWorkflow fires a timer only once its due time is strictly in the past, so the clock
        runs a microsecond after ``now``: a timer due exactly at ``now`` is due.
        """
        workflow, engine = self._load(spec_dict, state, serializer_version)
        with clock.engine_clock(now + timedelta(microseconds=1)):
            return self._run(workflow, engine, workflow.refresh_timers)

    def send_message(
        self,
        spec_dict: dict[str, Any],
        state: str,
        serializer_version: str,
        name: str,
        payload: Mapping[str, Any],
        now: datetime | None = None,
    ) -> EngineResult:
        """Deliver the message ``name`` with ``payload``; NotWaiting when nothing catches it."""
        workflow, engine = self._load(spec_dict, state, serializer_version)
        if name not in _waiting_messages(workflow):
            raise NotWaiting(name)
        event = BpmnEvent(SpiffMessageEventDefinition(name), payload=dict(payload), correlations={})

        def deliver() -> None:
            workflow.send_event(event)

        with clock.engine_clock(now):
            return self._run(workflow, engine, deliver)

    def _load(
        self, spec_dict: dict[str, Any], state: str, serializer_version: str
    ) -> tuple[Any, CaseScriptEngine]:
        workflow = load_state(spec_dict, state, serializer_version)
        engine = CaseScriptEngine(self._invoke_service)
        workflow.script_engine = engine  # the engine is not serialized; re-attach it every load
        return workflow, engine

    def _run(self, workflow: Any, engine: CaseScriptEngine, action: Any) -> EngineResult:
        started = time.time()
        waiting_timers = {t.id for t in _waiting_timer_tasks(workflow)}
        try:
            action()
            _run_to_wait(workflow)
        except Exception as exc:  # whatever a diagram step raises fails that step, clearly
            raise _engine_error(exc, engine.last_task) from exc
        changed = [t for t in workflow.get_tasks() if t.last_state_change >= started]
        return EngineResult(
            state=dump_state(workflow),
            serializer_version=SERIALIZER_VERSION,
            completed=workflow.is_completed(),
            human_tasks=tuple(_human_tasks(workflow)),
            service_calls=tuple(engine.log.service_calls),
            decisions=tuple(_decisions(changed)),
            fired_timers=tuple(
                {"element_id": t.task_spec.bpmn_id, "name": t.task_spec.bpmn_name}
                for t in changed
                if t.id in waiting_timers and t.state == TaskState.COMPLETED
            ),
            stage_changes=tuple(engine.log.stage_changes),
            closure_reason=(engine.log.closure_reasons or [None])[-1],
            next_timer_at=_next_timer_at(workflow),
            data=_json_safe(workflow.data if workflow.is_completed() else _latest_data(workflow)),
            waiting_messages=tuple(sorted(_waiting_messages(workflow))),
        )


#: engine passes per run before we give up on a workflow that keeps producing ready work
_MAX_PASSES = 25


def _run_to_wait(workflow: Any) -> None:
    """Run engine tasks until only human tasks and future waits remain.

    ``do_engine_steps`` refreshes timers last, so a timer that is already due when it is first
    reached (an overdue deadline) ends up READY but unrun — and, no longer WAITING, it would not
    be in ``next_timer_at`` either.  Keep stepping while engine work is ready.
    """
    for _ in range(_MAX_PASSES):
        workflow.refresh_timers()
        workflow.do_engine_steps()
        if not workflow.get_tasks(state=TaskState.READY, manual=False):
            return


def _waiting_messages(workflow: Any) -> set[str]:
    return {
        e.name
        for e in workflow.waiting_events()
        if e.event_type == "MessageEventDefinition" and e.name
    }


def _find_task(workflow: Any, task_id: str) -> Any:
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        if str(task.id) == task_id:
            return task
    return None


def _engine_error(exc: BaseException, last_task: Any = None) -> EngineError:
    """One clear line naming the element whose step failed and the underlying reason."""
    task = getattr(exc, "task", None) or last_task
    element_id = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
    cause = _root_cause(exc)
    text = _first_line(cause)
    if isinstance(cause, SandboxViolation):
        text = f"refused by the sandbox: {text}"
    elif isinstance(cause, ImportError):
        text = f"refused by the sandbox: imports are not allowed ({text})"
    elif isinstance(cause, NameError):
        text = f"{text} (diagram code can use only task data and the documented helpers)"
    elif not isinstance(cause, SpiffWorkflowException | ServiceCallFailed):
        text = f"{cause.__class__.__name__}: {text}"
    summary = exc.args[0] if exc is not cause and exc.args else ""
    if isinstance(summary, str) and summary.startswith("Error evaluating expression"):
        text = f"{summary}: {text}"
    return EngineError(text[:500], element_id)


def _root_cause(exc: BaseException) -> BaseException:
    """The exception SpiffWorkflow wrapped (it chains causes implicitly, not via an attribute)."""
    cause, seen = exc, {id(exc)}
    while isinstance(cause, SpiffWorkflowException):
        inner = cause.__cause__ or cause.__context__
        if inner is None or id(inner) in seen:
            break
        cause = inner
        seen.add(id(inner))
    return cause


def _first_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args else ""
    return text.strip().splitlines()[0] if text.strip() else exc.__class__.__name__


def _human_tasks(workflow: Any) -> list[HumanTaskView]:
    views = []
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        spec = task.task_spec
        props = (spec.extensions or {}).get("properties", {}) or {}
        due = props.get("dueDays")
        views.append(
            HumanTaskView(
                task_id=str(task.id),
                element_id=spec.bpmn_id,
                title=spec.bpmn_name or spec.bpmn_id,
                lane=spec.lane,
                form_key=form_key_of(spec),
                due_days=int(due) if due not in (None, "") else None,
                data=_json_safe(task.data),
            )
        )
    return views


def _decisions(changed: list[Any]) -> list[dict[str, Any]]:
    found = []
    for task in changed:
        if task.state != TaskState.COMPLETED:
            continue
        spec = task.task_spec
        if isinstance(spec, ExclusiveGateway | InclusiveGateway):
            taken = [
                c.task_spec.bpmn_id or c.task_spec.name
                for c in task.children
                if c.state
                & (
                    TaskState.READY
                    | TaskState.COMPLETED
                    | TaskState.WAITING
                    | TaskState.STARTED
                    | TaskState.FUTURE
                )
            ]
            found.append(
                {
                    "kind": "gateway",
                    "element_id": spec.bpmn_id,
                    "name": spec.bpmn_name,
                    "taken": taken,
                }
            )
        elif "dmn_decision" in task.internal_data:
            found.append(
                {
                    "kind": "dmn",
                    "element_id": spec.bpmn_id,
                    "name": spec.bpmn_name,
                    **task.internal_data["dmn_decision"],
                }
            )
    return found


def _waiting_timer_tasks(workflow: Any) -> list[Any]:
    tasks = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        spec = task.task_spec
        if not isinstance(spec, CatchingEvent):
            continue
        definition = spec.event_definition
        defs = (
            definition.event_definitions
            if isinstance(definition, MultipleEventDefinition)
            else [definition]
        )
        if any(isinstance(d, TimerEventDefinition) for d in defs):
            tasks.append(task)
    return tasks


def _next_timer_at(workflow: Any) -> datetime | None:
    dues = []
    for task in _waiting_timer_tasks(workflow):
        value = task.internal_data.get("event_value")
        if isinstance(value, dict):
            value = value.get("next") if value.get("cycles") != 0 else None
        if isinstance(value, str) and value:
            try:
                dues.append(TimerEventDefinition.get_datetime(value))
            except ValueError:
                continue
    return min(dues, default=None)


def _latest_data(workflow: Any) -> Mapping[str, Any]:
    ready = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
    if ready:
        return ready[0].data  # type: ignore[no-any-return]
    return workflow.task_tree.data  # type: ignore[no-any-return]


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
