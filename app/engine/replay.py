"""Replaying a case's recorded history through a spec, in memory (what-if).

The audit log keeps every input a case received: the notification it started with, each form
submitted (by element id, in order), each service task's result, each timer firing (the instant
it fired "as of") and each message.  ``replay_case`` feeds those inputs, in their recorded order
and under the engine clock set to the recorded instants, through any spec (the case's own version
or a draft) and returns a trace of what happened: the route, decisions, service calls, letters,
timers and due dates.  Nothing is stored.  ``app.engine.replay_compare`` compares two traces.

Service tasks: a recorded result is fed back when the same element calls the same operator (the
replay must not send letters or issue notices again, and must see the data the case saw then);
a call the recording does not have (a new service task, another operator) goes to the caller's
``invoke_service``, which decides whether running it for real is safe.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from app.engine import clock
from app.engine.runtime import (
    _decisions,
    _engine_error,
    _next_timer_at,
    _waiting_messages,
    _waiting_timer_tasks,
)
from app.engine.scripting import CaseScriptEngine, ServiceInvoker
from app.engine.serializer import restore_specs

#: at most this many timer firings are simulated after the last recorded input
_MAX_TIMER_STEPS = 50


@dataclass(frozen=True)
class RecordedInput:
    """One thing that happened to the case from outside, in order."""

    #: "task" (a form submitted), "timer" (timers fired as of ``at``) or "message"
    kind: str
    at: datetime
    element_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    #: the message name (messages only)
    name: str | None = None


@dataclass(frozen=True)
class RecordedService:
    """A service task's recorded call and result."""

    element_id: str
    operator: str
    result: Mapping[str, Any]


@dataclass
class ReplayStep:
    """What one input (or the start) made the workflow do."""

    label: str
    path: list[str] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    service_calls: list[dict[str, Any]] = field(default_factory=list)
    #: waiting timer element id -> due instant (ISO) after the step
    timers: dict[str, str] = field(default_factory=dict)
    #: ready human task element id -> due days (None: no due date)
    human_tasks: dict[str, int | None] = field(default_factory=dict)
    stage_changes: list[str] = field(default_factory=list)


@dataclass
class ReplayTrace:
    """The replayed history of one case through one spec."""

    steps: list[ReplayStep] = field(default_factory=list)
    completed: bool = False
    closure_reason: str | None = None
    #: why the replay could not go on (e.g. the recorded task is not reached), with the element
    stopped: str | None = None
    stopped_at: str | None = None

    @property
    def path(self) -> list[str]:
        """Every element the replay completed, in order."""
        return [element for step in self.steps for element in step.path]


class _RecordedServices:
    """Feeds recorded results by (element id, operator); asks ``fallback`` otherwise."""

    def __init__(self, recorded: Iterable[RecordedService], fallback: ServiceInvoker) -> None:
        self._queues: dict[tuple[str, str], deque[Mapping[str, Any]]] = {}
        for call in recorded:
            self._queues.setdefault((call.element_id, call.operator), deque()).append(call.result)
        self._fallback = fallback
        self.engine: CaseScriptEngine | None = None
        #: the source of each call, in order: "recorded" or "called"
        self.sources: list[str] = []

    def __call__(self, operator: str, params: dict[str, Any]) -> dict[str, Any]:
        task = self.engine.last_task if self.engine is not None else None
        element = getattr(getattr(task, "task_spec", None), "bpmn_id", None) or ""
        queue = self._queues.get((element, operator))
        if queue:
            self.sources.append("recorded")
            return dict(queue.popleft())
        self.sources.append("called")
        return self._fallback(operator, params)


class _Replayer:
    def __init__(self, spec: dict[str, Any], services: _RecordedServices) -> None:
        top, subs = restore_specs(spec)
        self.services = services
        self.engine = CaseScriptEngine(services)
        services.engine = self.engine
        self.workflow = BpmnWorkflow(top, subs, script_engine=self.engine)
        self.trace = ReplayTrace()

    def run_step(self, label: str, at: datetime, action: Any) -> bool:
        """Apply ``action`` and run to the next wait as of ``at``; False once the replay stops."""
        workflow, engine = self.workflow, self.engine
        started = time.time()
        calls_before, stages_before = len(engine.log.service_calls), len(engine.log.stage_changes)
        step = ReplayStep(label)
        self.trace.steps.append(step)
        try:
            with clock.engine_clock(at):
                action()
                workflow.refresh_timers()
                workflow.do_engine_steps()
        except Exception as exc:  # a step the spec cannot run ends the replay, with its reason
            error = _engine_error(exc, engine.last_task)
            self.trace.stopped, self.trace.stopped_at = error.message, error.element_id
            return False
        changed = [t for t in workflow.get_tasks() if t.last_state_change >= started]
        done = [t for t in changed if t.state == TaskState.COMPLETED and t.task_spec.bpmn_id]
        step.path = [t.task_spec.bpmn_id for t in sorted(done, key=lambda t: t.last_state_change)]
        step.decisions = _decisions(changed)
        new_calls = engine.log.service_calls[calls_before:]
        sources = self.services.sources[-len(new_calls) :] if new_calls else []
        step.service_calls = [{**c, "source": s} for c, s in zip(new_calls, sources, strict=False)]
        step.stage_changes = list(engine.log.stage_changes[stages_before:])
        step.timers = _timers(workflow)
        step.human_tasks = _ready_tasks(workflow)
        self.trace.completed = workflow.is_completed()
        self.trace.closure_reason = (engine.log.closure_reasons or [None])[-1]
        return True

    def apply(self, item: RecordedInput) -> bool:
        """Feed one recorded input; False (with the reason) when the spec cannot take it."""
        workflow = self.workflow
        if item.kind == "timer":
            return self.run_step(f"timers as of {item.at.isoformat()}", item.at, lambda: None)
        if item.kind == "message":
            if item.name not in _waiting_messages(workflow):
                return self._stop(f"would not be waiting for the message '{item.name}'", None)
            event = BpmnEvent(MessageEventDefinition(item.name), dict(item.data), {})
            return self.run_step(
                f"message {item.name}", item.at, lambda: workflow.send_event(event)
            )
        ready = [
            t
            for t in workflow.get_tasks(state=TaskState.READY, manual=True)
            if t.task_spec.bpmn_id == item.element_id
        ]
        if not ready:
            waiting = ", ".join(sorted(_ready_tasks(workflow))) or "nothing"
            reason = f"would not reach the task '{item.element_id}' (it would wait at {waiting})"
            return self._stop(reason, item.element_id)
        task = ready[0]

        def complete() -> None:
            task.set_data(**dict(item.data))
            task.run()

        return self.run_step(f"task {item.element_id}", item.at, complete)

    def _stop(self, reason: str, element_id: str | None) -> bool:
        self.trace.stopped, self.trace.stopped_at = reason, element_id
        return False


def replay_case(
    spec: dict[str, Any],
    seed: Mapping[str, Any],
    started_at: datetime,
    inputs: Iterable[RecordedInput],
    recorded_services: Iterable[RecordedService],
    invoke_service: ServiceInvoker,
    until: datetime | None = None,
) -> ReplayTrace:
    """Replay a case's recorded inputs through ``spec`` in memory and trace what happens.

    With ``until``, timers still waiting after the last input fire at their due times up to that
    instant (what the timer job would have done by then), so a deadline that moves does not look
    like a different route just because the recorded firing came too early for it.
    """
    services = _RecordedServices(recorded_services, invoke_service)
    replayer = _Replayer(spec, services)
    replayer.workflow.task_tree.data.update(dict(seed))
    if not replayer.run_step("start", started_at, lambda: None):
        return replayer.trace
    for item in inputs:
        if replayer.trace.completed or not replayer.apply(item):
            return replayer.trace
    for _ in range(_MAX_TIMER_STEPS if until is not None else 0):
        due = _next_timer_at(replayer.workflow)
        if replayer.trace.completed or due is None or until is None or due > until:
            break
        at = due + timedelta(seconds=1)  # a timer fires once its due instant has passed
        if not replayer.run_step(f"timers as of {at.isoformat()}", at, lambda: None):
            break
        if not replayer.trace.steps[-1].path:
            break  # nothing moved: don't spin on a timer that will not fire
    return replayer.trace


def _timers(workflow: Any) -> dict[str, str]:
    found = {}
    for task in _waiting_timer_tasks(workflow):
        value = task.internal_data.get("event_value")
        if isinstance(value, dict):
            value = value.get("next")
        if isinstance(value, str) and value:
            found[task.task_spec.bpmn_id] = value
    return found


def _ready_tasks(workflow: Any) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        props = (task.task_spec.extensions or {}).get("properties", {}) or {}
        due = props.get("dueDays")
        found[task.task_spec.bpmn_id] = int(due) if due not in (None, "") else None
    return found
