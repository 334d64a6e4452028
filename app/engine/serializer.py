"""Workflow (de)serialization with the spec kept once per deployed version.

A fresh case's serialized state is about three quarters spec.  We serialize the spec once, when a
version is deployed, and store each case's state *without* ``spec``/``subprocess_specs``; loading
re-assembles the two halves.  The serializer registry is our own copy of SPIFF_CONFIG (the global
is never mutated) and knows our recording business-rule task and ``date``/``Decimal`` values.
"""

from __future__ import annotations

import copy
import datetime as _dt
import decimal
import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import BusinessRuleTaskConverter

from app.engine.specs import ParsedModel, RecordingBusinessRuleTask


class _RecordingBusinessRuleTaskConverter(BusinessRuleTaskConverter):  # type: ignore[misc]
    """Restores every business-rule task as the recording class, under spiff's own typename.

    Registered after spiff's converter, it takes over the ``BusinessRuleTask`` typename, so specs
    stored before the parser built recording tasks also record which DMN rule fired.
    """

    def __init__(self, target_class: type, registry: Any, typename: str | None = None) -> None:
        super().__init__(target_class, registry, typename="BusinessRuleTask")


class _SharedSpecWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Restores a workflow around spec objects restored once per deployed version.

    Restoring the specs is most of the cost of loading a case; specs are never mutated by running
    workflows, so every case of a version can share one restored copy.
    """

    def from_dict(self, dct: dict[str, Any]) -> Any:
        shared = dct.pop("_shared_specs", None)
        if shared is None:
            return super().from_dict(dct)
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        spec, subprocess_specs = shared
        workflow = self.target_class(spec, dict(subprocess_specs), deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SPIFF_CONFIG)
_config[RecordingBusinessRuleTask] = _RecordingBusinessRuleTaskConverter
_config[BpmnWorkflow] = _SharedSpecWorkflowConverter
_registry = BpmnWorkflowSerializer.configure(_config)
_registry.register(
    _dt.date,
    lambda v: {"value": v.isoformat()},
    lambda d: _dt.date.fromisoformat(d["value"]),
    typename="date",
)
_registry.register(
    decimal.Decimal,
    lambda v: {"value": str(v)},
    lambda d: decimal.Decimal(d["value"]),
    typename="Decimal",
)
_serializer = BpmnWorkflowSerializer(_registry)
_encoder = create_encoder(_registry)

#: The state format written by this code; stored beside every case's state.
SERIALIZER_VERSION: str = str(_serializer.VERSION)

_SPEC_KEYS = ("spec", "subprocess_specs")


def spec_to_dict(model: ParsedModel) -> dict[str, Any]:
    """The JSON-safe form of a model's specs, stored once per deployed version."""
    converted = {
        "spec": _registry.convert(model.spec),
        "subprocess_specs": {
            name: _registry.convert(s) for name, s in model.subprocess_specs.items()
        },
    }
    text = json.dumps(converted, sort_keys=True, cls=_encoder)
    return {**converted, "fingerprint": hashlib.sha256(text.encode()).hexdigest()}


_SPEC_CACHE_SIZE = 32
_spec_cache: OrderedDict[str, tuple[Any, dict[str, Any]]] = OrderedDict()
_spec_lock = threading.Lock()


def _shared_specs(spec_dict: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Restored spec objects for a stored spec, cached by its fingerprint."""
    key = spec_dict.get("fingerprint")
    if key:
        with _spec_lock:
            if key in _spec_cache:
                _spec_cache.move_to_end(key)
                return _spec_cache[key]
    # restoring consumes the dicts it reads: never hand over the caller's
    copied = copy.deepcopy({k: spec_dict[k] for k in _SPEC_KEYS})
    spec = _registry.restore(copied["spec"])
    subs = {name: _registry.restore(s) for name, s in copied["subprocess_specs"].items()}
    if key:
        with _spec_lock:
            _spec_cache[key] = (spec, subs)
            while len(_spec_cache) > _SPEC_CACHE_SIZE:
                _spec_cache.popitem(last=False)
    return spec, subs


def dump_state(workflow: Any) -> str:
    """Compact JSON of the workflow without its specs."""
    dct = _serializer.to_dict(workflow)
    for key in _SPEC_KEYS:
        dct.pop(key, None)
    # Since 3.2, to_dict leaves task data (stored as deltas) unconverted and relies on the JSON
    # encoder to apply the registry: encode with it, or dates come back as plain strings.
    return json.dumps(dct, separators=(",", ":"), cls=_encoder)


def load_state(spec_dict: dict[str, Any], state: str, serializer_version: str) -> Any:
    """Re-assemble a stored state with its version's specs and restore the workflow."""
    dct = json.loads(state)
    dct["serializer_version"] = serializer_version
    if serializer_version != SERIALIZER_VERSION:
        # format migrations may need to see the specs: give them a private copy
        dct["spec"] = copy.deepcopy(spec_dict["spec"])
        dct["subprocess_specs"] = copy.deepcopy(spec_dict["subprocess_specs"])
        _serializer.migrate(dct)
        return _serializer.from_dict(dct)
    dct["_shared_specs"] = _shared_specs(spec_dict)
    return _serializer.from_dict(dct)


def restore_specs(spec_dict: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Restore spec objects (to start a new workflow) from their stored form."""
    spec, subs = _shared_specs(spec_dict)
    return spec, dict(subs)
