"""Evaluating one DMN decision table outside a workflow (suggestions, watch lists, reports).

The table runs in the same sandboxed script engine as the workflows, so a cell means the same
thing whether a diagram's business-rule task or a page asks.  Parsed tables are kept per content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.engine.scripting import CaseScriptEngine


class DecisionNotFound(Exception):
    """No DMN file among the given ones defines the decision."""


class DecisionFailed(Exception):
    """A cell of the table could not be evaluated for these inputs."""


@dataclass
class _Task:
    """What SpiffWorkflow's DMN engine reads of a task: its data and the script engine."""

    data: dict[str, Any]
    workflow: Any = field(default=None)
    task_spec: Any = field(default=None)


@dataclass
class _Spec:
    """Names the decision in SpiffWorkflow's error messages."""

    name: str
    bpmn_id: str | None = None
    bpmn_name: str | None = None


@dataclass
class _Workflow:
    script_engine: Any


def _no_services(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("a decision table cannot call service tasks")


_SCRIPT_ENGINE = CaseScriptEngine(_no_services)
#: (content digest, decision id) -> DMNEngine; the digest covers every DMN file given
_tables: dict[tuple[str, str], Any] = {}


def _digest(files: Mapping[str, str | bytes]) -> str:
    hasher = hashlib.sha256()
    for name in sorted(files):
        content = files[name]
        hasher.update(name.encode())
        hasher.update(content.encode() if isinstance(content, str) else content)
    return hasher.hexdigest()


def _table(files: Mapping[str, str | bytes], decision_id: str) -> Any:
    dmn = {n: c for n, c in files.items() if n.endswith(".dmn")}
    key = (_digest(dmn), decision_id)
    engine = _tables.get(key)
    if engine is None:
        parser = SpiffBpmnParser()
        for name, content in sorted(dmn.items()):
            parser.add_dmn_str(content.encode() if isinstance(content, str) else content, name)
        dmn_parser = parser.dmn_parsers.get(decision_id)
        if dmn_parser is None:
            raise DecisionNotFound(f"No DMN decision '{decision_id}'.")
        dmn_parser.parse()
        engine = DMNEngine(dmn_parser.decision.decisionTables[0])
        if len(_tables) > 64:
            _tables.clear()
        _tables[key] = engine
    return engine


def evaluate_decision(
    files: Mapping[str, str | bytes], decision_id: str, inputs: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The outputs of the rows of ``decision_id`` that match ``inputs`` (first match only for
    a UNIQUE table, every match for COLLECT), each as ``{output name: value}``."""
    engine = _table(files, decision_id)
    task = _Task(
        data=dict(inputs), workflow=_Workflow(_SCRIPT_ENGINE), task_spec=_Spec(decision_id)
    )
    try:
        return [dict(rule.output_as_dict(task)) for rule in engine.decide(task)]
    except Exception as exc:  # a cell failed on these inputs (SpiffWorkflow wraps every kind)
        raise DecisionFailed(f"Decision '{decision_id}' failed: {exc}") from exc
