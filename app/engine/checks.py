"""Checks on a model's diagrams that SpiffWorkflow's parser does not make.

``compile_model`` calls :func:`check_diagrams` once the files parse.  Two kinds of finding come
back: *errors* (the case would fail at run time, e.g. a timer whose expression cannot be a date or
duration) block a deployment; *warnings* (an element no path reaches, an exclusive gateway without a
default flow, a decision-table input that nothing before it produces) are shown to the process
owner, pointed at the element, but do not block.  The parser only builds specs for elements it
reaches from a start event, so reachability is worked out on the XML itself.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowTaskMixin
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask

from app.engine.scripting import SAFE_HELPERS, check_expression

_FLOW_NODES = frozenset(
    full_tag(tag)
    for tag in (
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
        "task",
        "userTask",
        "serviceTask",
        "scriptTask",
        "businessRuleTask",
        "manualTask",
        "sendTask",
        "receiveTask",
        "callActivity",
        "subProcess",
        "transaction",
        "adHocSubProcess",
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "eventBasedGateway",
        "complexGateway",
    )
)
_SCOPES = frozenset(full_tag(t) for t in ("subProcess", "transaction", "adHocSubProcess"))
_TIMER_KINDS = {"timeDate": "date", "timeDuration": "duration", "timeCycle": "cycle"}
#: names every script and DMN cell can read without any step producing them
_ALWAYS_AVAILABLE = frozenset(dir(builtins)) | frozenset(SAFE_HELPERS) | {"set_stage", "close_case"}


@dataclass
class DiagramFindings:
    """What :func:`check_diagrams` found: (file, element id, message) triples by severity."""

    errors: list[tuple[str | None, str | None, str]] = field(default_factory=list)
    warnings: list[tuple[str | None, str | None, str]] = field(default_factory=list)


def check_diagrams(
    parser: Any,
    main_spec: Any,
    subprocess_specs: Iterable[Any],
    seeded: frozenset[str],
    form_fields: Mapping[str, frozenset[str]],
) -> DiagramFindings:
    """Run the XML and spec checks over every process of a parsed model.

    ``seeded`` are the names the application puts into a new case's data (the main process);
    ``form_fields`` maps form keys to their top-level field names, when known.
    """
    findings = DiagramFindings()
    for process_parser in parser.process_parsers.values():
        file, node = process_parser.filename, process_parser.node
        for element in _unreachable(node):
            kind = element.tag.split("}")[1]
            message = f"no path from a start event reaches this {kind}, so it can never run"
            findings.warnings.append((file, element.get("id"), message))
        for element_id, message in _gateways_without_default(node):
            findings.warnings.append((file, element_id, message))
        for element_id, message in _timer_problems(node):
            findings.errors.append((file, element_id, message))
    specs = [(main_spec, seeded), *((s, _process_inputs(s, seeded)) for s in subprocess_specs)]
    for spec, given in specs:
        for element_id, message in _dmn_inputs_not_produced(spec, given, form_fields):
            findings.warnings.append((getattr(spec, "file", None), element_id, message))
    findings.errors = list(dict.fromkeys(findings.errors))
    findings.warnings = list(dict.fromkeys(findings.warnings))
    return findings


# --- reachability -------------------------------------------------------------------------


def _unreachable(scope: Any) -> list[Any]:
    """Flow nodes of ``scope`` (and of reachable sub-scopes) that no path reaches."""
    nodes = {c.get("id"): c for c in scope if c.tag in _FLOW_NODES and c.get("id")}
    targets: dict[str, list[str]] = {}
    for flow in scope.iterchildren(full_tag("sequenceFlow")):
        targets.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    attached: dict[str, list[str]] = {}
    for node_id, node in nodes.items():
        if node.tag == full_tag("boundaryEvent"):
            attached.setdefault(node.get("attachedToRef"), []).append(node_id)
    pending = [i for i, n in nodes.items() if _is_root(n, scope)]
    seen: set[str] = set()
    while pending:
        current = pending.pop()
        if current in seen or current not in nodes:
            continue
        seen.add(current)
        pending.extend(targets.get(current, []))
        pending.extend(attached.get(current, []))
    found = [n for i, n in nodes.items() if i not in seen]
    for node_id in seen:
        if nodes[node_id].tag in _SCOPES:
            found.extend(_unreachable(nodes[node_id]))
    return found


def _is_root(node: Any, scope: Any) -> bool:
    if node.tag == full_tag("startEvent"):
        return True
    if node.tag == full_tag("subProcess") and node.get("triggeredByEvent") == "true":
        return True  # an event sub-process starts when its event happens
    if scope.tag == full_tag("adHocSubProcess"):
        return not len(node.findall(full_tag("incoming")))
    # a link catch event continues a flow that a link throw event left
    return node.tag == full_tag("intermediateCatchEvent") and bool(
        node.findall(full_tag("linkEventDefinition"))
    )


# --- gateways -----------------------------------------------------------------------------


def _gateways_without_default(scope: Any) -> Iterator[tuple[str, str]]:
    for gateway in scope.iter(full_tag("exclusiveGateway")):
        gateway_id = gateway.get("id")
        outgoing = [
            f
            for f in gateway.getparent().iterchildren(full_tag("sequenceFlow"))
            if f.get("sourceRef") == gateway_id
        ]
        if len(outgoing) > 1 and not gateway.get("default"):
            yield (
                gateway_id,
                "exclusive gateway has no default flow: a case whose data matches none of its "
                "conditions stops with an error (mark one outgoing flow as the default)",
            )


# --- timers -------------------------------------------------------------------------------


def _timer_problems(scope: Any) -> Iterator[tuple[str, str]]:
    for definition in scope.iter(full_tag("timerEventDefinition")):
        event_id = definition.getparent().get("id")
        expressions = [c for c in definition if c.tag.split("}")[-1] in _TIMER_KINDS]
        if not expressions:
            yield event_id, "timer has no date, duration or cycle expression"
            continue
        for child in expressions:
            kind = _TIMER_KINDS[child.tag.split("}")[-1]]
            reason = timer_expression_problem(kind, (child.text or "").strip())
            if reason:
                yield event_id, reason


def timer_expression_problem(kind: str, expression: str) -> str | None:
    """Why a timer ``date``/``duration``/``cycle`` expression cannot work, or None.

    Expressions over task data (``due_at``) can only be checked when they run; literals are
    checked here.  Expressions the sandbox refuses are reported by the sandbox check instead.
    """
    if not expression:
        return f"timer {kind} is empty"
    if check_expression(expression) is not None:
        return None
    tree = ast.parse(expression, mode="eval").body
    if isinstance(tree, ast.Name) and tree.id[:1] in "PR" and tree.id[1:2].isdigit():
        return f'timer {kind} {expression} must be quoted: write "{expression}"'
    if not isinstance(tree, ast.Constant):
        return None  # computed from task data when the timer is reached
    if not isinstance(tree.value, str):
        return f"timer {kind} {expression} is not a text value (write an ISO 8601 {kind})"
    try:
        _parse_timer_literal(kind, tree.value)
    except Exception as exc:  # SpiffWorkflow raises bare Exception('Invalid duration')
        return f"timer {kind} {tree.value!r} is not a valid ISO 8601 {kind} ({exc})"
    return None


def _parse_timer_literal(kind: str, value: str) -> None:
    if kind == "duration":
        if not value.startswith("P"):
            raise ValueError("a duration starts with P, e.g. P5D or PT2H")
        TimerEventDefinition.parse_iso_duration(value)
    elif kind == "date":
        TimerEventDefinition.get_datetime(value)
    else:
        TimerEventDefinition.parse_iso_recurring_interval(value)


# --- decision-table inputs ----------------------------------------------------------------


def _process_inputs(spec: Any, seeded: frozenset[str]) -> frozenset[str]:
    """Names a (called) process starts with: its declared inputs, else whatever the caller has."""
    io = getattr(spec, "io_specification", None)
    if io is not None and getattr(io, "data_inputs", None):
        return frozenset(d.bpmn_id for d in io.data_inputs)
    return seeded | {"*"}  # without an ioSpecification the caller's data is copied in


def _dmn_inputs_not_produced(
    spec: Any, given: frozenset[str], form_fields: Mapping[str, frozenset[str]]
) -> Iterator[tuple[str, str]]:
    if "*" in given:
        return
    for task_spec in spec.task_specs.values():
        if not isinstance(task_spec, BusinessRuleTask):
            continue
        table = task_spec.dmnEngine.decision_table
        produced = set(given)
        for ancestor in _ancestors(task_spec):
            names = _produced_by(ancestor, form_fields)
            if names is None:
                return  # a step whose outputs are unknown could produce anything
            produced |= names
        for column in table.inputs:
            for name in sorted(_names_read(column.expression or "") - produced):
                label = column.label or column.id
                yield (
                    task_spec.bpmn_id,
                    f"decision input '{label}' reads '{name}', which no step before this "
                    "task produces",
                )


def _ancestors(task_spec: Any) -> list[Any]:
    seen: dict[str, Any] = {}
    pending = list(task_spec.inputs)
    while pending:
        current = pending.pop()
        if current.name in seen:
            continue
        seen[current.name] = current
        pending.extend(current.inputs)
    return list(seen.values())


def _produced_by(task_spec: Any, form_fields: Mapping[str, frozenset[str]]) -> set[str] | None:
    """Top-level task-data names a step writes (None: cannot tell)."""
    from app.engine.specs import form_key_of

    names: set[str] = set()
    for attr in ("script", "prescript", "postscript"):
        names |= _names_assigned(getattr(task_spec, attr, None) or "")
    if getattr(task_spec, "manual", False):
        key = form_key_of(task_spec)
        if key is not None and key not in form_fields:
            return None
        names |= set(form_fields.get(key or "", frozenset()))
    if hasattr(task_spec, "operation_name"):
        names.add(task_spec.result_variable or f"spiff__{task_spec.bpmn_id}_result")
    if isinstance(task_spec, BusinessRuleTask):
        names |= {o.name.split(".")[0] for o in task_spec.dmnEngine.decision_table.outputs}
    if isinstance(task_spec, SubWorkflowTaskMixin):
        return None  # a (called) sub-process may return any of its data
    variable = getattr(getattr(task_spec, "event_definition", None), "message_var", None)
    if variable:
        names.add(variable)
    for attr in ("data_output_associations", "data_input_associations"):
        names |= {d.bpmn_id for d in getattr(task_spec, attr, None) or []}
    return names


def _names_assigned(script: str) -> set[str]:
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return set()
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


def _names_read(expression: str) -> set[str]:
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return set()
    bound = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    return (
        {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        - bound
        - _ALWAYS_AVAILABLE
    )
