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
import json
from typing import Any

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
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


_config = dict(SPIFF_CONFIG)
_config[RecordingBusinessRuleTask] = _RecordingBusinessRuleTaskConverter
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
    return {
        "spec": _registry.convert(model.spec),
        "subprocess_specs": {
            name: _registry.convert(s) for name, s in model.subprocess_specs.items()
        },
    }


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
    # SpiffWorkflow's converters consume the dicts they restore from: always hand them a copy,
    # never the caller's (a version row's spec is shared by every case in a session).
    dct["spec"] = copy.deepcopy(spec_dict["spec"])
    dct["subprocess_specs"] = copy.deepcopy(spec_dict["subprocess_specs"])
    dct["serializer_version"] = serializer_version
    if serializer_version != SERIALIZER_VERSION:
        _serializer.migrate(dct)
    return _serializer.from_dict(dct)


def restore_specs(spec_dict: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Restore spec objects (to start a new workflow) from their stored form."""
    spec_dict = copy.deepcopy(spec_dict)  # restoring consumes the dicts (see load_state)
    spec = _registry.restore(spec_dict["spec"])
    subs = {name: _registry.restore(s) for name, s in spec_dict["subprocess_specs"].items()}
    return spec, subs
