"""Minimal BPMN and DMN diagrams composed from parts, so engine tests don't repeat XML.

Each element builder returns a :class:`Node` (its id and XML); :func:`chain` links nodes from a
start event to an end event; :func:`process` takes nodes and explicit :func:`flow` s when the
shape is not a straight line; :func:`definitions` wraps processes into a ``.bpmn`` file's bytes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from app.engine import ModelCatalog, OperatorInfo, ParsedModel, compile_model, spec_to_dict
from app.engine.specs import CaseParser

_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"

#: Forms, operators and lanes the unit tests' catalog knows.
FORMS = frozenset({"triage", "notification", "school_response"})
OPERATORS = {
    "test.echo": OperatorInfo("test.echo", frozenset({"value"}), frozenset({"note"})),
    "test.fail": OperatorInfo("test.fail"),
}
LANES = {"adviser": "adviser", "school": "school"}
#: A fixed instant engine tests run "as of".
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Node:
    """One flow element: its id and its XML."""

    id: str
    xml: str


def catalog(**overrides: Any) -> ModelCatalog:
    """The catalog unit tests compile against (forms, operators, lanes)."""
    parts: dict[str, Any] = {"forms": FORMS, "operators": OPERATORS, "lanes": LANES}
    parts.update(overrides)
    return ModelCatalog(**parts)


def compile_spec(files: Mapping[str, bytes], main: str = "main") -> dict[str, Any]:
    """Compile (with validation) and return the stored spec dict."""
    return spec_to_dict(compile_model(files, main, catalog()))


def _ext(*children: str) -> str:
    inner = "".join(c for c in children if c)
    return f"<bpmn:extensionElements>{inner}</bpmn:extensionElements>" if inner else ""


def _props(props: Mapping[str, Any]) -> str:
    if not props:
        return ""
    items = "".join(
        f"<spiffworkflow:property name={quoteattr(k)} value={quoteattr(str(v))}/>"
        for k, v in props.items()
    )
    return f"<spiffworkflow:properties>{items}</spiffworkflow:properties>"


def _name(name: str | None) -> str:
    return f" name={quoteattr(name)}" if name else ""


def start(node_id: str = "start") -> Node:
    return Node(node_id, f'<bpmn:startEvent id="{node_id}"/>')


def end(node_id: str = "end") -> Node:
    return Node(node_id, f'<bpmn:endEvent id="{node_id}"/>')


def user_task(
    node_id: str,
    name: str | None = None,
    *,
    form: str | None = "triage",
    form_property: str = "formKey",
    due_days: int | None = None,
) -> Node:
    """A user task naming ``form`` through ``formKey`` (or another property)."""
    props: dict[str, Any] = {}
    if form is not None:
        props[form_property] = form
    if due_days is not None:
        props["dueDays"] = due_days
    return Node(
        node_id, f'<bpmn:userTask id="{node_id}"{_name(name)}>{_ext(_props(props))}</bpmn:userTask>'
    )


def service_task(
    node_id: str,
    operator: str = "test.echo",
    params: Mapping[str, str] | None = None,
    *,
    result_variable: str | None = None,
    post_script: str | None = None,
) -> Node:
    """A service task; ``params`` maps parameter ids to Python expressions."""
    result = f" resultVariable={quoteattr(result_variable)}" if result_variable else ""
    items = "".join(
        f'<spiffworkflow:parameter id={quoteattr(k)} type="any" value={quoteattr(v)}/>'
        for k, v in (params if params is not None else {"value": "1"}).items()
    )
    operator_xml = (
        f"<spiffworkflow:serviceTaskOperator id={quoteattr(operator)}{result}>"
        f"<spiffworkflow:parameters>{items}</spiffworkflow:parameters>"
        "</spiffworkflow:serviceTaskOperator>"
    )
    post = (
        f"<spiffworkflow:postScript>{escape(post_script)}</spiffworkflow:postScript>"
        if post_script
        else ""
    )
    return Node(
        node_id, f'<bpmn:serviceTask id="{node_id}">{_ext(operator_xml, post)}</bpmn:serviceTask>'
    )


def script_task(node_id: str, script: str) -> Node:
    return Node(
        node_id,
        f'<bpmn:scriptTask id="{node_id}"><bpmn:script>{escape(script)}</bpmn:script>'
        "</bpmn:scriptTask>",
    )


def gateway(node_id: str, name: str | None = None, *, default: str | None = None) -> Node:
    dflt = f' default="{default}"' if default else ""
    return Node(node_id, f'<bpmn:exclusiveGateway id="{node_id}"{_name(name)}{dflt}/>')


def parallel(node_id: str) -> Node:
    return Node(node_id, f'<bpmn:parallelGateway id="{node_id}"/>')


def timer(
    node_id: str, *, duration: str | None = None, date: str | None = None, name: str | None = None
) -> Node:
    """An intermediate timer catch event; ``duration``/``date`` are Python expressions."""
    tag, expression = ("timeDuration", duration) if duration is not None else ("timeDate", date)
    body = f'<bpmn:{tag} xsi:type="bpmn:tFormalExpression">{escape(str(expression))}</bpmn:{tag}>'
    return Node(
        node_id,
        f'<bpmn:intermediateCatchEvent id="{node_id}"{_name(name)}>'
        f"<bpmn:timerEventDefinition>{body}</bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>",
    )


def call_activity(node_id: str, called: str) -> Node:
    return Node(node_id, f'<bpmn:callActivity id="{node_id}" calledElement="{called}"/>')


def business_rule_task(node_id: str, decision_id: str, name: str | None = None) -> Node:
    ext = _ext(f"<spiffworkflow:calledDecisionId>{decision_id}</spiffworkflow:calledDecisionId>")
    return Node(
        node_id, f'<bpmn:businessRuleTask id="{node_id}"{_name(name)}>{ext}</bpmn:businessRuleTask>'
    )


def flow(source: str, target: str, condition: str | None = None, flow_id: str | None = None) -> str:
    """A sequence flow (with an optional Python condition)."""
    fid = flow_id or f"flow_{source}_{target}"
    cond = (
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(condition)}'
        "</bpmn:conditionExpression>"
        if condition
        else ""
    )
    ends = f'sourceRef="{source}" targetRef="{target}"'
    return f'<bpmn:sequenceFlow id="{fid}" {ends}>{cond}</bpmn:sequenceFlow>'


def _lanes(lanes: Mapping[str, Iterable[str]] | None) -> str:
    if not lanes:
        return ""
    body = "".join(
        f'<bpmn:lane id="lane_{i}" name={quoteattr(lane)}>'
        + "".join(f"<bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>" for ref in refs)
        + "</bpmn:lane>"
        for i, (lane, refs) in enumerate(lanes.items())
    )
    return f'<bpmn:laneSet id="lanes">{body}</bpmn:laneSet>'


def process(
    process_id: str,
    *parts: Node | str,
    lanes: Mapping[str, Iterable[str]] | None = None,
) -> str:
    """A process from nodes and flows (strings are inserted as they are)."""
    body = "".join(p.xml if isinstance(p, Node) else p for p in parts)
    return (
        f'<bpmn:process id="{process_id}" isExecutable="true">{_lanes(lanes)}{body}</bpmn:process>'
    )


def chain(process_id: str, *nodes: Node, lanes: Mapping[str, Iterable[str]] | None = None) -> str:
    """start -> nodes... -> end, linked in order."""
    seq = [start(f"{process_id}_start"), *nodes, end(f"{process_id}_end")]
    flows = [flow(a.id, b.id) for a, b in itertools.pairwise(seq)]
    return process(process_id, *seq, *flows, lanes=lanes)


def definitions(*processes: str) -> bytes:
    """A complete ``.bpmn`` file."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<bpmn:definitions xmlns:bpmn="{_BPMN}" xmlns:spiffworkflow="{_SPIFF}" '
        f'xmlns:xsi="{_XSI}" id="defs" targetNamespace="http://example.test/bpmn">'
        + "".join(processes)
        + "</bpmn:definitions>"
    ).encode()


def bpmn(process_id: str, *nodes: Node, **kw: Any) -> dict[str, bytes]:
    """A one-file model: ``{'<process_id>.bpmn': start -> nodes -> end}``."""
    return {f"{process_id}.bpmn": definitions(chain(process_id, *nodes, **kw))}


def dmn(
    decision_id: str,
    input_expression: str,
    output_name: str,
    rules: Iterable[tuple[str, str]],
    *,
    hit_policy: str = "UNIQUE",
) -> bytes:
    """A one-input, one-output decision table; each rule is (input entry, output entry)."""
    rows = "".join(
        f'<rule id="rule_{i}"><description>row {i}</description>'
        f'<inputEntry id="in_{i}"><text>{escape(cond)}</text></inputEntry>'
        f'<outputEntry id="out_{i}"><text>{escape(out)}</text></outputEntry></rule>'
        for i, (cond, out) in enumerate(rules, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<definitions xmlns="{_DMN}" id="defs_{decision_id}" name="{decision_id}" '
        'namespace="http://example.test/dmn">'
        f'<decision id="{decision_id}" name="{decision_id.replace("_", " ").title()}">'
        f'<decisionTable id="table_{decision_id}" hitPolicy="{hit_policy}">'
        f'<input id="input_1" label="Input"><inputExpression id="input_expr_1" typeRef="number">'
        f"<text>{escape(input_expression)}</text></inputExpression></input>"
        f'<output id="output_1" label="Output" name="{output_name}" typeRef="string"/>'
        f"{rows}</decisionTable></decision></definitions>"
    ).encode()


def compile_unchecked(files: Mapping[str, bytes], main: str = "main") -> dict[str, Any]:
    """The spec dict of a model parsed WITHOUT the deploy-time checks (no sandbox pre-check)."""
    parser = CaseParser()
    for name, content in files.items():
        if name.endswith(".dmn"):
            parser.add_dmn_str(content, filename=name)
        else:
            parser.add_bpmn_str(content, filename=name)
    model = ParsedModel(main, parser.get_spec(main), parser.get_subprocess_specs(main))
    return spec_to_dict(model)
