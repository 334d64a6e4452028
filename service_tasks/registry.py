"""The registry of Python functions BPMN service tasks may call.

A diagram's service task names an operator (``spiffworkflow:serviceTaskOperator id="..."``) and
passes parameters as Python expressions over task data.  The function's JSON-able ``dict`` result
lands in task data under the task's ``resultVariable`` (default ``spiff__<element id>_result``).
Functions are keyword-only, pure (no Flask, no database), and raise ``ServiceTaskError``.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ServiceFunction = Callable[..., dict[str, Any]]


class ServiceTaskError(Exception):
    """A service task failed; ``retryable`` tells the worker whether trying again may help."""

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class ServiceTaskSpec:
    """A registered operator and the parameters it accepts."""

    name: str
    func: ServiceFunction
    required_params: frozenset[str]
    optional_params: frozenset[str]
    description: str


_REGISTRY: dict[str, ServiceTaskSpec] = {}


def service_task(
    name: str, *, description: str = ""
) -> Callable[[ServiceFunction], ServiceFunction]:
    """Register ``func`` as the operator ``name``; its keyword-only parameters are its contract."""

    def register(func: ServiceFunction) -> ServiceFunction:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"service task operator '{name}' is registered twice")
        params = inspect.signature(func).parameters.values()
        if any(p.kind is not inspect.Parameter.KEYWORD_ONLY for p in params):
            raise TypeError(f"service task '{name}' must take keyword-only parameters")
        _REGISTRY[name] = ServiceTaskSpec(
            name=name,
            func=func,
            required_params=frozenset(
                p.name for p in params if p.default is inspect.Parameter.empty
            ),
            optional_params=frozenset(
                p.name for p in params if p.default is not inspect.Parameter.empty
            ),
            description=description or (inspect.getdoc(func) or "").split("\n")[0],
        )
        return func

    return register


def lookup(name: str) -> ServiceTaskSpec:
    """The operator called ``name``; KeyError when it is not registered."""
    return _REGISTRY[name]


def operators() -> dict[str, ServiceTaskSpec]:
    """Every registered operator by name."""
    return dict(_REGISTRY)


def call(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Call operator ``name`` with ``params``; the result must be a JSON-able dict."""
    try:
        spec = _REGISTRY[name]
    except KeyError:
        raise ServiceTaskError("unknown_operator", f"no service task operator '{name}'") from None
    result = spec.func(**params)
    if not isinstance(result, dict):
        raise ServiceTaskError("bad_result", f"operator '{name}' did not return a dict")
    json.dumps(result)  # fail here, not in the serializer, if the result is not JSON-able
    return result
