"""The engine adapter runs diagrams: services, human tasks, decisions, helpers and state."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from app.engine import SERIALIZER_VERSION, EngineError, TaskNotReady

from .diagrams import (
    bpmn,
    business_rule_task,
    chain,
    compile_spec,
    definitions,
    dmn,
    end,
    flow,
    gateway,
    process,
    script_task,
    service_task,
    start,
    user_task,
)


def _complete(engine, spec, result, data, index=0):
    task = result.human_tasks[index]
    return engine.complete_task(spec, result.state, result.serializer_version, task.task_id, data)


def test_service_task_result_lands_under_its_result_variable(engine, services):
    spec = compile_spec(
        bpmn(
            "main",
            service_task("fetch", params={"value": "n * 2"}, result_variable="figures"),
            user_task("review"),
        )
    )
    result = engine.start(spec, {"n": 21})
    assert services.calls == [("test.echo", {"value": 42})]
    assert result.data["figures"] == {"echo": {"value": 42}}
    assert result.human_tasks[0].data["figures"] == {"echo": {"value": 42}}
    assert result.service_calls == (
        {
            "element_id": "fetch",
            "operator": "test.echo",
            "params": {"value": 42},
            "result": {"echo": {"value": 42}},
        },
    )


def test_service_task_result_defaults_to_spiff_element_result(engine):
    spec = compile_spec(
        bpmn("main", service_task("notify", params={"value": "'hi'"}), user_task("t"))
    )
    result = engine.start(spec, {})
    assert result.data["spiff__notify_result"] == {"echo": {"value": "hi"}}


def test_a_failing_service_task_fails_the_step_naming_element_and_operator(engine):
    spec = compile_spec(
        bpmn("main", service_task("call_mis", "test.fail", params={}), user_task("t"))
    )
    with pytest.raises(EngineError) as failed:
        engine.start(spec, {})
    assert failed.value.element_id == "call_mis"
    assert "operator 'test.fail' failed: connector down" in str(failed.value)


def test_human_task_view_carries_title_lane_form_and_due_days(engine):
    spec = compile_spec(
        bpmn(
            "main",
            user_task("triage", "Triage the notification", due_days=14),
            lanes={"Adviser": ["main_start", "triage", "main_end"]},
        )
    )
    [view] = engine.start(spec, {"pupil": "Sam"}).human_tasks
    assert (view.element_id, view.title, view.lane, view.form_key, view.due_days) == (
        "triage",
        "Triage the notification",
        "Adviser",
        "triage",
        14,
    )
    assert view.data == {"pupil": "Sam"}
    assert view.task_id


def test_form_key_also_comes_from_spiff_arenas_schema_filename(engine):
    spec = compile_spec(
        bpmn(
            "main",
            user_task(
                "respond",
                form="school_response.schema.json",
                form_property="formJsonSchemaFilename",
            ),
        )
    )
    [view] = engine.start(spec, {}).human_tasks
    assert view.form_key == "school_response"
    assert (view.title, view.lane, view.due_days) == ("respond", None, None)


def test_complete_task_stores_the_form_and_runs_on_to_the_next_wait(engine):
    spec = compile_spec(
        bpmn(
            "main",
            user_task("first", "First"),
            script_task("count", "answers = len(reasons)"),
            user_task("second", "Second", form="school_response"),
        )
    )
    started = engine.start(spec, {})
    after = _complete(engine, spec, started, {"decision": "accept", "reasons": ["a", "b"]})
    [view] = after.human_tasks
    assert (view.element_id, view.form_key) == ("second", "school_response")
    assert view.data["decision"] == "accept" and view.data["answers"] == 2
    assert not after.completed


def test_unknown_or_finished_task_ids_are_not_ready(engine):
    spec = compile_spec(bpmn("main", user_task("first"), user_task("second")))
    started = engine.start(spec, {})
    with pytest.raises(TaskNotReady):
        engine.complete_task(spec, started.state, started.serializer_version, "no-such-task", {})
    after = _complete(engine, spec, started, {})
    finished_id = started.human_tasks[0].task_id
    with pytest.raises(TaskNotReady):
        engine.complete_task(spec, after.state, after.serializer_version, finished_id, {})


def _routing_spec():
    return compile_spec(
        {
            "main.bpmn": definitions(
                process(
                    "main",
                    start("s"),
                    user_task("review", "Review"),
                    gateway("route", "Accepted?", default="flow_no"),
                    script_task("monitor", "set_stage('monitoring')"),
                    script_task("give_back", "close_case('returned_to_school')"),
                    user_task("follow_up"),
                    end("e_yes"),
                    end("e_no"),
                    flow("s", "review"),
                    flow("review", "route"),
                    flow("route", "monitor", "decision == 'accept'", flow_id="flow_yes"),
                    flow("route", "give_back", flow_id="flow_no"),
                    flow("monitor", "follow_up"),
                    flow("follow_up", "e_yes"),
                    flow("give_back", "e_no"),
                )
            )
        }
    )


@pytest.mark.parametrize(
    ("decision", "taken"), [("accept", ["monitor"]), ("decline", ["give_back"])]
)
def test_gateway_decision_is_recorded_with_the_flow_taken(engine, decision, taken):
    spec = _routing_spec()
    started = engine.start(spec, {})
    assert started.decisions == ()
    after = _complete(engine, spec, started, {"decision": decision})
    assert after.decisions == (
        {"kind": "gateway", "element_id": "route", "name": "Accepted?", "taken": taken},
    )


def test_stage_and_closure_helpers_are_reported(engine):
    spec = _routing_spec()
    started = engine.start(spec, {})
    accepted = _complete(engine, spec, started, {"decision": "accept"})
    assert (accepted.stage_changes, accepted.closure_reason) == (("monitoring",), None)
    declined = _complete(engine, spec, started, {"decision": "decline"})
    assert (declined.stage_changes, declined.closure_reason) == ((), "returned_to_school")


def test_a_completed_workflow_reports_completed(engine):
    spec = _routing_spec()
    started = engine.start(spec, {})
    declined = _complete(engine, spec, started, {"decision": "decline"})
    assert declined.completed is True
    assert declined.human_tasks == () and declined.next_timer_at is None
    assert declined.data["decision"] == "decline"


BANDS = dmn(
    "attendance_band",
    "attendance_pct",
    "band",
    [("> 90", '"universal"'), ("50 < ? <= 90", '"persistent"'), ("<= 50", '"severe"')],
)


@pytest.mark.parametrize(
    ("pct", "row", "band"),
    [(95, 1, "universal"), (90, 2, "persistent"), (50.1, 2, "persistent"), (50, 3, "severe")],
)
def test_dmn_task_records_the_rule_row_that_fired(engine, pct, row, band):
    files = {
        "main.bpmn": definitions(
            chain(
                "main",
                business_rule_task("classify", "attendance_band", "Classify"),
                user_task("t"),
            )
        ),
        "attendance_band.dmn": BANDS,
    }
    spec = compile_spec(files)
    result = engine.start(spec, {"attendance_pct": pct})
    assert result.data["band"] == band
    [decision] = result.decisions
    assert decision["kind"] == "dmn" and decision["element_id"] == "classify"
    assert decision["name"] == "Classify"
    assert decision["rules"] == [{"id": f"rule_{row}", "row": row, "description": f"row {row}"}]


def test_state_round_trips_without_the_spec(engine):
    spec = compile_spec(
        bpmn(
            "main",
            service_task("fetch", result_variable="figures"),
            user_task("first"),
            script_task("note", "notes = notes + ['second']"),
            user_task("second"),
        )
    )
    started = engine.start(spec, {"notes": ["first"]})
    stored = json.loads(started.state)
    assert "spec" not in stored and "subprocess_specs" not in stored
    assert started.serializer_version == SERIALIZER_VERSION
    full_blob = len(json.dumps(spec)) + len(started.state)  # what storing the spec would cost
    assert len(started.state) < 0.5 * full_blob
    after = _complete(engine, spec, started, {"decision": "accept"})
    assert [v.element_id for v in after.human_tasks] == ["second"]
    assert after.data["notes"] == ["first", "second"] and after.data["figures"] == {
        "echo": {"value": 1}
    }


def test_the_stored_spec_dict_is_never_modified(engine):
    """A version row's spec is shared by every case loaded in a session; the engine must not
    consume it (SpiffWorkflow's converters pop keys from what they restore)."""
    files = {
        "main.bpmn": definitions(
            chain("main", business_rule_task("classify", "attendance_band"), user_task("t"))
        ),
        "attendance_band.dmn": BANDS,
    }
    spec = compile_spec(files)
    pristine = copy.deepcopy(spec)
    first = engine.start(spec, {"attendance_pct": 70})
    second = engine.start(spec, {"attendance_pct": 20})
    _complete(engine, spec, first, {})
    assert spec == pristine
    assert (first.data["band"], second.data["band"]) == ("persistent", "severe")


def test_date_values_in_task_data_serialize_and_restore(engine):
    spec = compile_spec(
        bpmn(
            "main",
            script_task("plan", "review_on = date_from_iso(add_days(str(opened_on), 7))"),
            user_task("first"),
            script_task("weekday", "review_weekday = review_on.isoweekday()"),
            user_task("second"),
        )
    )
    started = engine.start(spec, {"opened_on": date(2026, 1, 5)})
    assert started.data["opened_on"] == "2026-01-05"
    assert started.data["review_on"] == "2026-01-12"
    assert '"typename":"date"' in started.state
    after = _complete(engine, spec, started, {})
    assert after.data["review_weekday"] == 1  # restored as a date, not a string
