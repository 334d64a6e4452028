"""Restricted evaluation of everything a diagram can express in Python.

SpiffWorkflow evaluates scripts, gateway conditions, timer expressions, service-task parameters
and DMN cells with plain ``eval``/``exec``.  A restricted globals dict alone can be escaped through
``().__class__.__base__.__subclasses__()``, so every expression and script is compiled with
RestrictedPython, which refuses dunder attribute access and names starting with ``_`` at compile
time, and runs with guarded builtins.  Diagram authors also get a few case helpers
(``set_stage``, ``close_case``) that report to the adapter rather than touching the database.
"""

from __future__ import annotations

import ast
import datetime as _dt
import functools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from RestrictedPython import (
    compile_restricted_eval,
    compile_restricted_exec,
    limited_builtins,
    safe_builtins,
    utility_builtins,
)
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment


class SandboxViolation(Exception):
    """A diagram expression or script tried something the sandbox forbids."""


class ServiceCallFailed(Exception):
    """A service task's operator raised; the message names the operator and the reason."""


def _inplace(op: str, x: Any, y: Any) -> Any:
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b,
        "%=": lambda a, b: a % b,
        "**=": lambda a, b: a**b,
    }
    if op not in ops:
        raise SandboxViolation(f"operator {op} is not allowed in diagram scripts")
    return ops[op](x, y)


def _builtins() -> dict[str, Any]:
    allowed = dict(safe_builtins)
    allowed.update(limited_builtins)
    allowed.update(utility_builtins)
    for name in ("setattr", "delattr", "__build_class__", "_getattr_"):
        allowed.pop(name, None)
    allowed.update(
        {
            "min": min,
            "max": max,
            "sum": sum,
            "any": any,
            "all": all,
            "list": list,
            "dict": dict,
            "set": set,
            "enumerate": enumerate,
            "map": map,
            "filter": filter,
            "sorted": sorted,
            "zip": zip,
            "reversed": reversed,
            "len": len,
            "round": round,
            "abs": abs,
            "int": int,
            "float": float,
            "str": str,
            "bool": bool,
            "tuple": tuple,
        }
    )
    # RestrictedPython's utility_builtins bring modules (string, random, whrandom, math, set);
    # keep math (pure) and drop the rest so nothing with a file or OS handle is reachable.
    for name in ("random", "whrandom", "string"):
        allowed.pop(name, None)
    return allowed


def _guards() -> dict[str, Any]:
    return {
        "__builtins__": _builtins(),
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_inplacevar_": _inplace,
        "_print_": None,
    }


_GUARD_NAMES = frozenset(_guards())


@functools.lru_cache(maxsize=4096)
def _compile_eval(expression: str) -> Any:
    result = compile_restricted_eval(expression.strip(), filename="<diagram expression>")
    if result.errors:
        raise SandboxViolation("; ".join(result.errors))
    return result.code


@functools.lru_cache(maxsize=2048)
def _compile_exec(script: str) -> Any:
    result = compile_restricted_exec(script, filename="<diagram script>")
    if result.errors:
        raise SandboxViolation("; ".join(result.errors))
    # RestrictedPython compiles ``import`` (it fails only at run time, for want of __import__);
    # refuse it here so deploy-time validation reports it too.
    for node in ast.walk(ast.parse(script)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            raise SandboxViolation(
                f"Line {node.lineno}: import statements are not allowed "
                "(use the helpers math, days_between, add_days, date_from_iso)"
            )
    return result.code


def check_expression(expression: str) -> str | None:
    """Return why ``expression`` would be refused at run time, or None when it compiles."""
    try:
        _compile_eval(expression)
    except SandboxViolation as exc:
        return str(exc)
    return None


def check_script(script: str) -> str | None:
    """Return why ``script`` would be refused at run time, or None when it compiles."""
    try:
        _compile_exec(script)
    except SandboxViolation as exc:
        return str(exc)
    return None


def _days_between(start: str, end: str) -> int:
    return (_dt.date.fromisoformat(end[:10]) - _dt.date.fromisoformat(start[:10])).days


def _add_days(day: str, days: int) -> str:
    return (_dt.date.fromisoformat(day[:10]) + _dt.timedelta(days=days)).isoformat()


def _today() -> str:
    from app.engine.clock import now

    return now().date().isoformat()


#: Pure helpers every diagram may use in scripts, conditions and DMN cells.
SAFE_HELPERS: dict[str, Any] = {
    "today": _today,
    "math": math,
    "days_between": _days_between,
    "add_days": _add_days,
    "date_from_iso": lambda s: _dt.date.fromisoformat(str(s)[:10]),
}


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Drop-in replacement for TaskDataEnvironment that compiles with RestrictedPython."""

    def __init__(self, environment_globals: Mapping[str, Any] | None = None) -> None:
        super().__init__({**_guards(), **SAFE_HELPERS, **(environment_globals or {})})

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Any = None
    ) -> Any:
        code = _compile_eval(expression)
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        external = dict(external_context or {})
        clash = (set(self.globals) | set(external)) & set(context)
        if clash:
            raise ValueError(
                "Task data overwrites predefined helper(s); rename: " + ", ".join(sorted(clash))
            )
        code = _compile_exec(script)
        scope = dict(self.globals)
        scope.update(external)
        scope.update(context)
        exec(code, scope)
        context.clear()
        for key, value in scope.items():
            if key in self.globals or key in external or key in _GUARD_NAMES:
                continue
            if callable(value) or isinstance(value, type(math)):
                continue
            context[key] = value
        return True


@dataclass
class StepLog:
    """What one engine run reported through the script engine (read by the runtime)."""

    service_calls: list[dict[str, Any]] = field(default_factory=list)
    stage_changes: list[str] = field(default_factory=list)
    closure_reasons: list[str] = field(default_factory=list)


ServiceInvoker = Callable[[str, dict[str, Any]], dict[str, Any]]


class CaseScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """The script engine attached to every case workflow."""

    def __init__(self, invoke_service: ServiceInvoker) -> None:
        self.log = StepLog()
        self._invoke_service = invoke_service
        #: the task the engine last evaluated or ran code for: names the element when a step
        #: fails with an exception SpiffWorkflow does not attach a task to (e.g. a bad duration)
        self.last_task: Any = None
        helpers = {"set_stage": self._set_stage, "close_case": self._close_case}
        super().__init__(environment=RestrictedEnvironment(helpers))

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        self.last_task = task
        return super().evaluate(task, expression, external_context)

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        self.last_task = task
        return super().execute(task, script, external_context)

    def _set_stage(self, stage: str) -> str:
        self.log.stage_changes.append(str(stage))
        return str(stage)

    def _close_case(self, reason: str) -> str:
        self.log.closure_reasons.append(str(reason))
        return str(reason)

    def call_service(self, task: Any, operation_name: str, operation_params: dict[str, Any]) -> str:
        self.last_task = task
        params = {name: spec.get("value") for name, spec in operation_params.items()}
        try:
            result = self._invoke_service(operation_name, params)
        except Exception as exc:
            raise ServiceCallFailed(f"operator '{operation_name}' failed: {exc}") from exc
        self.log.service_calls.append(
            {
                "element_id": task.task_spec.bpmn_id,
                "operator": operation_name,
                "params": params,
                "result": result,
            }
        )
        return json.dumps(result, default=str)
