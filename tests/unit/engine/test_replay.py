"""Replaying recorded case histories through a changed model, in memory, and comparing."""

from __future__ import annotations

from datetime import timedelta

from app.engine import (
    OperatorInfo,
    RecordedInput,
    RecordedService,
    compare_traces,
    compile_model,
    replay_case,
    spec_to_dict,
)

from .diagrams import (
    T0,
    business_rule_task,
    catalog,
    definitions,
    dmn,
    end,
    flow,
    gateway,
    process,
    service_task,
    start,
    timer,
    user_task,
)

OPERATORS = {
    "test.echo": OperatorInfo("test.echo", frozenset({"value"}), frozenset({"note"})),
    "letters.generate": OperatorInfo("letters.generate", frozenset({"template"})),
}


def _band_table(boundary: int) -> bytes:
    rules = [("<= 50", '"severe"'), (f"<= {boundary}", '"persistent"'), ("-", '"universal"')]
    return dmn("attendance_band", "calc['echo']['value']", "band", rules)


def _model(
    boundary: int = 90,
    *,
    wait: str = '"P2W"',
    letter: str = "'D1'",
    sender: str = "letters.generate",
) -> dict[str, bytes]:
    """calc -> band (DMN) -> persistent? -> support -> letter -> wait -> end; else watch -> end."""
    nodes = [
        start("start"),
        service_task("calc", params={"value": "pct"}, result_variable="calc"),
        business_rule_task("classify", "attendance_band", "Attendance band"),
        gateway("route", "Persistent?", default="flow_watch"),
        user_task("support", "Agree support", due_days=10),
        service_task("letter", sender, {"template": letter} if sender != "test.echo" else None),
        timer("wait", duration=wait, name="Two weeks"),
        end("end"),
        user_task("watch", "Keep watching"),
        end("end_watch"),
    ]
    flows = [
        flow("start", "calc"),
        flow("calc", "classify"),
        flow("classify", "route"),
        flow("route", "support", "band in ('persistent', 'severe')", flow_id="flow_support"),
        flow("route", "watch", flow_id="flow_watch"),
        flow("support", "letter"),
        flow("letter", "wait"),
        flow("wait", "end"),
        flow("watch", "end_watch"),
    ]
    bpmn_file = definitions(process("main", *nodes, *flows))
    files = {"main.bpmn": bpmn_file, "attendance_band.dmn": _band_table(boundary)}
    return spec_to_dict(compile_model(files, "main", catalog(operators=OPERATORS)))


V1 = _model()


def _live(name, params):
    return {"echo": params} if name == "test.echo" else {"documents": [params["template"]]}


def _record(engine_factory, pct):
    """Run a case for real on V1 and return what the audit log would hold."""
    engine = engine_factory(_live)
    started = engine.start(V1, {"pct": pct}, now=T0)
    calls = list(started.service_calls)
    inputs = []
    [task] = started.human_tasks
    at = T0 + timedelta(days=1)
    done = engine.complete_task(V1, started.state, "1.5", task.task_id, {"agreed": True}, now=at)
    calls += done.service_calls
    inputs.append(RecordedInput("task", at, task.element_id, {"agreed": True}))
    if done.next_timer_at:
        fired_at = T0 + timedelta(weeks=3)
        engine.fire_due_timers(V1, done.state, "1.5", fired_at)
        inputs.append(RecordedInput("timer", fired_at))
    recorded = [RecordedService(c["element_id"], c["operator"], c["result"]) for c in calls]
    return {"pct": pct}, inputs, recorded


def _replay(spec, history, fallback=_live):
    seed, inputs, recorded = history
    return replay_case(spec, seed, T0, inputs, recorded, fallback, until=T0 + timedelta(weeks=10))


def test_replay_on_its_own_version_follows_the_recorded_route():
    from app.engine import WorkflowEngine

    history = _record(WorkflowEngine, 87)
    trace = _replay(V1, history, fallback=_never_called)
    assert trace.path == ["start", "calc", "classify", "route", "support", "letter", "wait", "end"]
    assert trace.completed and trace.stopped is None
    assert [c["source"] for s in trace.steps for c in s.service_calls] == ["recorded", "recorded"]
    assert trace.steps[1].timers == {"wait": "2026-01-20T09:00:00+00:00"}
    assert trace.steps[0].human_tasks == {"support": 10}


def _never_called(name, params):
    raise AssertionError(f"{name} should have been fed from the recording")


def test_moving_the_persistent_boundary_from_90_to_85_reroutes_a_case_at_87_percent():
    from app.engine import WorkflowEngine

    v2 = _model(85)
    moved, kept = _record(WorkflowEngine, 87), _record(WorkflowEngine, 70)
    diff = compare_traces(_replay(V1, moved), _replay(v2, moved))
    assert diff.routed_differently and diff.changed
    assert diff.element_id == "classify"
    assert diff.description == "decision 'Attendance band' would fire row(s) 3 instead of 2"
    assert diff.letters_removed == ("D1 (letter)",) and diff.letters_added == ()
    assert diff.deadlines_changed == (
        "timer 'wait' (due 2026-01-20T09:00:00+00:00) would not be set",
    )
    assert diff.outcome_before == "closed (no reason)" and diff.outcome_after == "open"

    same = compare_traces(_replay(V1, kept), _replay(v2, kept))
    assert not same.changed and same.description == ""


def test_changed_letters_and_deadlines_are_reported_on_the_same_route():
    from app.engine import WorkflowEngine

    history = _record(WorkflowEngine, 87)
    v2 = _model(wait='"P3W"', letter="'D2'")
    diff = compare_traces(_replay(V1, history), _replay(v2, history))
    assert not diff.routed_differently
    assert diff.letters_added == ("D2 (letter)",) and diff.letters_removed == ("D1 (letter)",)
    assert diff.deadlines_changed == (
        "timer 'wait': 2026-01-20T09:00:00+00:00 → 2026-01-27T09:00:00+00:00",
    )


def test_a_recorded_task_the_new_version_does_not_reach_stops_the_replay():
    from app.engine import WorkflowEngine

    history = _record(WorkflowEngine, 87)
    renamed = _model(50)  # 87% is no longer persistent: the case waits at 'watch'
    trace = _replay(renamed, history)
    assert trace.stopped == "would not reach the task 'support' (it would wait at watch)"
    assert trace.stopped_at == "support"


def test_a_service_call_without_a_recording_goes_to_the_fallback_and_is_noted():
    from app.engine import WorkflowEngine

    seed, inputs, _recorded = _record(WorkflowEngine, 87)
    calls = []

    def fallback(name, params):
        calls.append(name)
        return _live(name, params)

    trace = replay_case(V1, seed, T0, inputs, [], fallback)
    assert calls == ["test.echo", "letters.generate"]
    diff = compare_traces(trace, trace)
    assert diff.notes == (
        "service task 'calc' (test.echo) had no recorded result",
        "service task 'letter' (letters.generate) had no recorded result",
    )


def test_a_failing_step_stops_the_replay_with_the_element():
    def broken(name, params):
        raise RuntimeError("operator down")

    trace = replay_case(V1, {"pct": 80}, T0, [], [], broken)
    assert trace.stopped_at == "calc" and "operator down" in trace.stopped


def test_messages_are_delivered_only_when_the_workflow_waits_for_them():
    trace = replay_case(
        V1, {"pct": 80}, T0, [RecordedInput("message", T0, name="pupil_left_roll")], [], _live
    )
    assert trace.stopped == "would not be waiting for the message 'pupil_left_roll'"


def test_a_candidate_that_cannot_run_a_step_is_reported_where_it_stopped():
    from app.engine import WorkflowEngine

    history = _record(WorkflowEngine, 87)
    other_sender = _model(sender="test.echo")  # no recorded result for this operator here

    def offline(name, params):
        raise RuntimeError("not available in a replay")

    diff = compare_traces(_replay(V1, history), _replay(other_sender, history, fallback=offline))
    assert diff.routed_differently and diff.element_id == "letter"
    assert diff.description.startswith("the replay could not go on: ")
    assert "not available in a replay" in diff.description
