"""Diagram code runs in a RestrictedPython sandbox, even in a model that skipped validation.

Each attack is placed in every position a diagram can hold Python (script task, gateway
condition, timer expression, service-task parameter) of a spec compiled *without* the deploy-time
checks, as a version deployed before a rule existed would be.  The step must fail with an
``EngineError`` naming the element, and nothing of the attack may run.
"""

from __future__ import annotations

import json

import pytest

from app.engine import EngineError

from .diagrams import (
    bpmn,
    compile_spec,
    compile_unchecked,
    definitions,
    flow,
    gateway,
    process,
    script_task,
    service_task,
    start,
    timer,
    user_task,
)

ATTACKS = [
    "__import__('os').system('touch {marker}')",
    "().__class__.__base__.__subclasses__()",
    "open('/etc/passwd').read()",
    "getattr(x, '__class__')",
    "[c for c in ().__class__.__mro__]",
    "import os",
    "exec('1')",
    "eval('1')",
    "'{{0.__class__}}'.format(x)",
]
#: what a clear message says for each attack (by its first characters)
REASONS = {
    "__import__": 'refused by the sandbox: Line 1: "__import__" is an invalid variable name',
    "().__class": 'refused by the sandbox: Line 1: "__subclasses__" is an invalid attribute name',
    "open(": "name 'open' is not defined (diagram code can use only task data",
    "getattr(": "name 'getattr' is not defined",
    "[c for c": 'refused by the sandbox: Line 1: "__mro__" is an invalid attribute name',
    "exec(": "refused by the sandbox: Line 1: Exec calls are not allowed",
    "eval(": "refused by the sandbox: Line 1: Eval calls are not allowed",
    "'{0.": "format*() methods of `str` is not safe",
}


def _in_script(code):
    return bpmn("main", script_task("evil", code), user_task("after"))


def _in_gateway(code):
    return {
        "main.bpmn": definitions(
            process(
                "main",
                start("s"),
                gateway("evil", default="flow_no"),
                user_task("yes"),
                user_task("no"),
                flow("s", "evil"),
                flow("evil", "yes", code, flow_id="flow_yes"),
                flow("evil", "no", flow_id="flow_no"),
            )
        )
    }


def _in_timer(code):
    return bpmn("main", timer("evil", duration=code), user_task("after"))


def _in_service_parameter(code):
    return bpmn("main", service_task("evil", params={"value": code}), user_task("after"))


POSITIONS = {
    "script": _in_script,
    "gateway": _in_gateway,
    "timer": _in_timer,
    "service": _in_service_parameter,
}


@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("attack", ATTACKS)
def test_an_escape_attempt_fails_the_step_and_runs_nothing(
    engine, services, tmp_path, attack, position
):
    marker = tmp_path / "pwned"
    code = attack.format(marker=marker)
    spec = compile_unchecked(POSITIONS[position](code))

    with pytest.raises(EngineError) as failed:
        engine.start(spec, {"x": 1})

    error = failed.value
    assert error.element_id == "evil"
    assert str(error).startswith("The process step failed at 'evil': ")
    if attack == "import os":
        reason = (
            "refused by the sandbox: Line 1: import statements are not allowed"
            if position == "script"
            else "refused by the sandbox: Line 1: SyntaxError"  # not an expression at all
        )
    else:
        reason = next(text for start_, text in REASONS.items() if code.startswith(start_))
    assert reason in error.message
    if position != "script":
        assert error.message.startswith(f"Error evaluating expression '{code}': ")
    assert not marker.exists()
    assert services.calls == []  # the service never ran with an attacker's parameter


def test_the_marker_path_would_be_created_by_unsandboxed_python(tmp_path):
    """Guards the test above: the payload does create the file when run without the sandbox."""
    marker = tmp_path / "pwned"
    exec(ATTACKS[0].format(marker=marker))  # deliberately unsandboxed
    assert marker.exists()


NORMAL_SCRIPT = """
total = 0
for n in numbers:
    total += n
squares = [n * n for n in numbers if n % 2]
summary = {"count": len(numbers), "max": max(numbers)}
summary["min"] = min(numbers)
first, second = numbers[0], numbers[1]
gap = days_between("2026-01-05", "2026-02-09")
review_on = add_days("2026-01-05", 35)
pct = math.floor(attended * 100 / possible)
label = "band-" + str(sorted(set(numbers))[-1])
"""


def test_ordinary_scripts_still_work(engine):
    spec = compile_spec(bpmn("main", script_task("calc", NORMAL_SCRIPT), user_task("t")))
    data = engine.start(spec, {"numbers": [1, 2, 3, 4], "attended": 7, "possible": 9}).data
    assert {k: data[k] for k in ("total", "squares", "summary", "first", "second")} == {
        "total": 10,
        "squares": [1, 9],
        "summary": {"count": 4, "max": 4, "min": 1},
        "first": 1,
        "second": 2,
    }
    assert (data["gap"], data["review_on"], data["pct"], data["label"]) == (
        35,
        "2026-02-09",
        77,
        "band-4",
    )


def test_helpers_work_in_gateway_conditions(engine):
    files = _in_gateway("days_between(opened_on, today) > 28 and math.floor(pct) < 90")
    spec = compile_spec(files)
    late = engine.start(spec, {"opened_on": "2026-01-05", "today": "2026-02-09", "pct": 80.5})
    assert [t.element_id for t in late.human_tasks] == ["yes"]
    early = engine.start(spec, {"opened_on": "2026-01-05", "today": "2026-01-06", "pct": 80.5})
    assert [t.element_id for t in early.human_tasks] == ["no"]


def test_functions_and_modules_never_leak_into_task_data(engine):
    script = """
m = math
f = days_between
g = lambda v: v
def doubler(v):
    return v * 2
doubled = doubler(4)
"""
    spec = compile_spec(bpmn("main", script_task("calc", script), user_task("t")))
    result = engine.start(spec, {})
    assert result.data == {"doubled": 8}
    assert result.human_tasks[0].data == {"doubled": 8}
    stored = json.loads(result.state)
    task_data = [json.dumps(t["data"]) + json.dumps(t["delta"]) for t in stored["tasks"].values()]
    for name in ("math", "days_between", "doubler", "set_stage", "close_case", "_getattr_"):
        assert all(name not in text for text in task_data), name


def test_task_data_cannot_shadow_a_helper(engine):
    spec = compile_spec(bpmn("main", script_task("calc", "y = 1"), user_task("t")))
    with pytest.raises(EngineError) as failed:
        engine.start(spec, {"days_between": 3})
    assert failed.value.element_id == "calc"
    assert "days_between" in failed.value.message
