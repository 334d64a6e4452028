"""Moving a running case onto a new version of its process model.

SpiffWorkflow keeps a case on the spec it started with.  Its diff toolkit
(``SpiffWorkflow.bpmn.util.diff``) lines a case's tasks up with a new spec; this module turns that
into a verdict a process owner can act on, and performs the move:

* ``as_is``: nothing the case has done or is doing changed; it simply continues on the new version.
* ``mapped``: the task(s) the case is waiting at changed (renamed, another form, re-aligned to a
  differently named element); the case moves and its current task is mapped.
* ``blocked``: a step the case already passed changed or was removed (SpiffWorkflow's ``can
  migrate`` rule: no changed or removed spec may have COMPLETED or STARTED tasks), or the task it
  waits at no longer exists, or a sub-process it has entered is gone.  The case stays where it is.

Two things go wrong when this is done naively (see the shared SpiffWorkflow notes, section 8):
re-pointing specs by name keeps the old predicted structure, and resetting a waiting duration
timer restarts its countdown.  ``migrate_workflow`` re-predicts the waiting branches, and timers
whose definition did not change keep the due time they had.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util.diff import diff_workflow, filter_tasks, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from app.engine import clock
from app.engine.runtime import (
    EngineResult,
    WorkflowEngine,
    _human_tasks,
    _json_safe,
    _latest_data,
    _next_timer_at,
    _waiting_messages,
)
from app.engine.serializer import _registry, load_state, restore_specs

AS_IS, MAPPED, BLOCKED = "as_is", "mapped", "blocked"
#: changes to a spec that do not alter how a case that already passed it goes on (a new way
#: *into* a passed step does not matter either: the case is beyond it)
_HARMLESS_WHEN_PASSED = frozenset({"bpmn_name", "documentation", "description", "lane", "inputs"})
#: what a task that is waiting changes when these keys differ, in the owner's words
_WORDS = {
    "bpmn_name": "name",
    "extensions": "settings (form, operator, due days...)",
    "outputs": "what comes after it",
    "inputs": "what leads to it",
    "lane": "lane",
    "typename": "kind of element",
    "event_definition": "event or timer",
    "cond_task_specs": "conditions",
    "default_task_spec": "default flow",
    "script": "script",
    "prescript": "pre-script",
    "postscript": "post-script",
    "operation_params": "parameters",
    "operation_name": "operator",
    "decision_table": "decision table",
}
_CURRENT = TaskState.READY | TaskState.WAITING
_PASSED = TaskState.COMPLETED | TaskState.STARTED
#: what SpiffWorkflow resets and re-predicts (not STARTED: see ``_move``)
_RESET_MASK = TaskState.READY | TaskState.WAITING
_PREDICTED = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE


class MigrationRefused(Exception):
    """The case cannot be moved onto the new version; ``reasons`` say why."""

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("; ".join(self.reasons))


@dataclass(frozen=True)
class TaskMapping:
    """Where a task the case waits at goes in the new version."""

    element_id: str
    name: str
    new_element_id: str
    new_name: str
    changes: tuple[str, ...]


@dataclass(frozen=True)
class MigrationPlan:
    """The verdict for one case (``as_is``, ``mapped`` or ``blocked``) and why."""

    verdict: str
    reasons: tuple[str, ...]
    mappings: tuple[TaskMapping, ...]
    #: element ids of the tasks the case is waiting at
    current: tuple[str, ...]

    @property
    def can_move(self) -> bool:
        """Whether the case can be migrated."""
        return self.verdict != BLOCKED


def plan_migration(
    old_spec: dict[str, Any], new_spec: dict[str, Any], state: str, serializer_version: str
) -> MigrationPlan:
    """Classify a stored case against a new version (nothing is changed)."""
    workflow = load_state(old_spec, state, serializer_version)
    return _plan(workflow, *_diffs(workflow, new_spec))


def migrate_case(
    engine: WorkflowEngine,
    old_spec: dict[str, Any],
    new_spec: dict[str, Any],
    state: str,
    serializer_version: str,
    now: datetime | None = None,
) -> tuple[MigrationPlan, EngineResult]:
    """Move a stored case onto ``new_spec`` and run it to its next wait.

    Raises MigrationRefused when the plan says the case cannot move.  The returned result is
    what the application stores and projects, exactly as after any other engine run.
    """
    workflow, script_engine = engine._load(old_spec, state, serializer_version)
    new_top, new_subs = restore_specs(new_spec)
    top_diff, sub_diffs = diff_workflow(_registry, workflow, new_top, new_subs)
    plan = _plan(workflow, top_diff, sub_diffs)
    if not plan.can_move:
        raise MigrationRefused(plan.reasons)

    def move() -> None:
        timers = _timer_values(workflow, [top_diff, *sub_diffs.values()])
        _move(top_diff, workflow, new_top)
        for sp_id, subprocess in list(workflow.subprocesses.items()):
            _move(sub_diffs[sp_id], subprocess, new_subs[subprocess.spec.name])
        workflow.subprocess_specs = dict(new_subs)
        _restore_timer_values(workflow, timers)

    with clock.engine_clock(now):
        return plan, engine._run(workflow, script_engine, move)


def _move(diff: Any, workflow: Any, spec: Any) -> None:
    """Re-point one (sub)workflow at its new spec and re-predict what lies ahead.

    Waiting and ready tasks are reset and re-predicted (``migrate_workflow``).  Started tasks
    (a call activity or sub-process in progress, a loop) are NOT reset: that would drop the
    sub-process they own and start it again from scratch.  Only the predicted steps after them
    are rebuilt from the new spec.
    """
    migrate_workflow(diff, workflow, spec, reset_mask=_RESET_MASK)
    for task in workflow.get_tasks(state=TaskState.STARTED, skip_subprocesses=True):
        _repredict_successors(task)


def _repredict_successors(task: Any) -> None:
    """Rebuild a started task's predicted successors from its (new) spec's outputs."""
    inner = getattr(task.task_spec, "task_spec", None)  # a loop's or multi-instance's own body
    for child in list(task.children):
        own_body = isinstance(inner, str) and child.task_spec.name == inner
        if child.has_state(_PREDICTED) and not child.triggered and not own_body:
            task.workflow._remove_task(child.id)
    present = {child.task_spec for child in task.children}
    for output in task.task_spec.outputs:
        if output not in present:
            task._add_child(output, TaskState.FUTURE)
    for child in task.children:
        if child.has_state(_PREDICTED):
            child.task_spec._predict(child, mask=_PREDICTED)


def snapshot(spec: dict[str, Any], state: str, serializer_version: str) -> EngineResult:
    """A stored state as an EngineResult, without running anything (used to undo a move)."""
    workflow = load_state(spec, state, serializer_version)
    completed = workflow.is_completed()
    return EngineResult(
        state=state,
        serializer_version=serializer_version,
        completed=completed,
        human_tasks=tuple(_human_tasks(workflow)),
        service_calls=(),
        decisions=(),
        fired_timers=(),
        stage_changes=(),
        closure_reason=None,
        next_timer_at=_next_timer_at(workflow),
        data=_json_safe(workflow.data if completed else _latest_data(workflow)),
        waiting_messages=tuple(sorted(_waiting_messages(workflow))),
    )


def _diffs(workflow: Any, new_spec: dict[str, Any]) -> tuple[Any, dict[Any, Any]]:
    new_top, new_subs = restore_specs(new_spec)
    return diff_workflow(_registry, workflow, new_top, new_subs)  # type: ignore[no-any-return]


def _plan(workflow: Any, top_diff: Any, sub_diffs: dict[Any, Any]) -> MigrationPlan:
    current = [  # boundary events wait alongside their activity: not where the case "is"
        t
        for t in workflow.get_tasks(state=_CURRENT)
        if t.task_spec.bpmn_id and not isinstance(t.task_spec, BoundaryEvent)
    ]
    reasons: list[str] = []
    for sp_id, diff in sub_diffs.items():
        if diff is None:
            caller = workflow.get_task_from_id(sp_id)
            reasons.append(
                f"it has entered {_name(caller.task_spec)}, whose process the new version "
                "does not have"
            )
    mappings: list[TaskMapping] = []
    for diff in [top_diff, *(d for d in sub_diffs.values() if d is not None)]:
        reasons.extend(_passed_changes(diff))
        for task in filter_tasks(diff.changed + diff.removed, state=_CURRENT):
            target = diff.alignment.get(task)
            if task in diff.removed or target is None:
                reasons.append(
                    f"it is waiting at {_name(task.task_spec)}, which the new version removes"
                )
            elif task.task_spec.bpmn_id:
                mapping = _mapping(task, target)
                if mapping.changes or mapping.new_element_id != mapping.element_id:
                    mappings.append(mapping)
    verdict = BLOCKED if reasons else (MAPPED if mappings else AS_IS)
    return MigrationPlan(
        verdict,
        tuple(dict.fromkeys(reasons)),
        tuple(mappings),
        tuple(sorted({t.task_spec.bpmn_id for t in current})),
    )


def _passed_changes(diff: Any) -> list[str]:
    reasons = []
    for task in filter_tasks(diff.changed + diff.removed, state=_PASSED):
        target = diff.alignment.get(task)
        if task in diff.removed or target is None:
            reasons.append(f"it has passed {_name(task.task_spec)}, which the new version removes")
            continue
        keys = [k for k in _changed_keys(task.task_spec, target) if k not in _HARMLESS_WHEN_PASSED]
        if keys:
            what = ", ".join(dict.fromkeys(_WORDS.get(k, k.replace("_", " ")) for k in keys))
            reasons.append(
                f"it has passed {_name(task.task_spec)}, which changed in the new version ({what})"
            )
    return reasons


def _changed_keys(spec: Any, target: Any) -> list[str]:
    """The attributes that differ between a spec and the new spec it is aligned with."""
    before, after = _registry.convert(spec), _registry.convert(target)
    if before.get("typename") != after.get("typename"):
        return ["typename"]
    return [k for k, v in before.items() if after.get(k) != v and k != "name"]


def _mapping(task: Any, target: Any) -> TaskMapping:
    # what leads to or follows a waiting task is not a change of the task itself
    keys = [k for k in _changed_keys(task.task_spec, target) if k not in ("inputs", "outputs")]
    return TaskMapping(
        element_id=task.task_spec.bpmn_id,
        name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
        new_element_id=target.bpmn_id or target.name,
        new_name=target.bpmn_name or target.bpmn_id or target.name,
        changes=tuple(dict.fromkeys(_WORDS.get(k, k.replace("_", " ")) for k in keys)),
    )


def _name(task_spec: Any) -> str:
    if task_spec.bpmn_id is None:
        return "the start or end of a process"
    return f"'{task_spec.bpmn_name or task_spec.bpmn_id}'"


def _timer_values(workflow: Any, diffs: list[Any]) -> dict[Any, Any]:
    """The due times of waiting timers whose definition the new version keeps unchanged."""
    changed = {t.id for d in diffs if d is not None for t in d.changed}
    values = {}
    for task in workflow.get_tasks(state=TaskState.WAITING):
        unchanged = isinstance(task.task_spec, CatchingEvent) and task.id not in changed
        if unchanged and "event_value" in task.internal_data:
            values[task.id] = task.internal_data["event_value"]
    return values


def _restore_timer_values(workflow: Any, values: dict[Any, Any]) -> None:
    for task_id, value in values.items():
        task = workflow.tasks.get(task_id)
        if task is None:
            task = next((t for t in workflow.get_tasks() if t.id == task_id), None)
        if task is not None and task.state == TaskState.WAITING:
            task.internal_data["event_value"] = value
