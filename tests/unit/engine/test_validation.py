"""compile_model reports every problem of a model with its file, element id and message."""

from __future__ import annotations

import json

import pytest

from app.engine import ModelInvalid, Problem, compile_model, spec_to_dict

from .diagrams import (
    bpmn,
    business_rule_task,
    call_activity,
    catalog,
    chain,
    definitions,
    dmn,
    flow,
    gateway,
    process,
    script_task,
    service_task,
    start,
    timer,
    user_task,
)

BANDS = dmn(
    "attendance_band",
    "attendance_pct",
    "band",
    [("> 90", '"universal"'), ("50 < ? <= 90", '"persistent"'), ("<= 50", '"severe"')],
)


def problems(files, main="main"):
    with pytest.raises(ModelInvalid) as invalid:
        compile_model(files, main, catalog())
    assert invalid.value.problems, "ModelInvalid without problems"
    return invalid.value.problems


def one_problem(files, main="main"):
    [problem] = problems(files, main)
    return problem


def test_broken_xml_names_the_file():
    good = definitions(chain("main", user_task("t")))
    problem = one_problem({"main.bpmn": good[:-25]})
    assert (problem.file, problem.element_id) == ("main.bpmn", None)
    assert problem.message.startswith("XML is not well formed: ")


def test_xml_that_breaks_the_bpmn_schema_is_reported():
    bad = definitions(chain("main", user_task("t"))).replace(b"<bpmn:userTask", b"<bpmn:userTusk")
    bad = bad.replace(b"</bpmn:userTask>", b"</bpmn:userTusk>")
    problem = one_problem({"main.bpmn": bad})
    assert problem.file == "main.bpmn" and "userTusk" in problem.message


def test_user_task_naming_a_form_that_does_not_exist():
    problem = one_problem(bpmn("main", user_task("triage", form="no_such_form")))
    assert problem == Problem(
        "main.bpmn", "triage", "user task names form 'no_such_form', which does not exist in forms/"
    )


def test_user_task_naming_no_form():
    problem = one_problem(bpmn("main", user_task("triage", form=None)))
    assert (problem.file, problem.element_id) == ("main.bpmn", "triage")
    assert "names no form" in problem.message


def test_unknown_service_operator():
    problem = one_problem(bpmn("main", service_task("fetch", "mis.get_attendance")))
    assert problem == Problem(
        "main.bpmn", "fetch", "service task calls unknown operator 'mis.get_attendance'"
    )


def test_missing_and_unknown_operator_parameters():
    found = problems(bpmn("main", service_task("fetch", params={"note": "'x'", "colour": "'red'"})))
    assert found == [
        Problem("main.bpmn", "fetch", "operator 'test.echo' needs parameter 'value'"),
        Problem("main.bpmn", "fetch", "operator 'test.echo' has no parameter 'colour'"),
    ]


def test_call_activity_whose_target_process_is_missing():
    problem = one_problem(bpmn("main", call_activity("monitoring", "monitoring_pathway")))
    assert (problem.file, problem.element_id) == ("main.bpmn", "monitoring")
    assert "calls process 'monitoring_pathway'" in problem.message


def test_dmn_that_does_not_parse():
    files = {
        "main.bpmn": definitions(chain("main", business_rule_task("classify", "attendance_band"))),
        "attendance_band.dmn": BANDS[:-40],
    }
    problem = one_problem(files)
    assert (problem.file, problem.element_id) == ("attendance_band.dmn", None)
    assert problem.message.startswith("XML is not well formed")


def test_dmn_without_a_decision_is_reported_not_crashed_on():
    empty = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" '
        b'namespace="http://example.test/dmn"/>'
    )
    files = {**bpmn("main", user_task("t")), "empty.dmn": empty}
    problem = one_problem(files)
    assert problem.file == "empty.dmn" and problem.message.startswith("cannot be parsed")


def test_called_decision_with_no_dmn():
    problem = one_problem(bpmn("main", business_rule_task("classify", "attendance_band")))
    assert problem == Problem(
        "main.bpmn",
        "classify",
        "business-rule task calls decision 'attendance_band', which no .dmn file defines",
    )


def test_dmn_cells_must_be_sandboxed_python():
    feel = dmn("attendance_band", "attendance_pct", "band", [("[90..100]", '"x".__class__')])
    files = {
        "main.bpmn": definitions(chain("main", business_rule_task("classify", "attendance_band"))),
        "attendance_band.dmn": feel,
    }
    found = problems(files)
    assert [(p.element_id, p.message.split(" is refused")[0]) for p in found] == [
        ("classify", "DMN rule 1 input cell"),
        ("classify", "DMN rule 1 output cell"),
    ]
    assert '"__class__" is an invalid attribute name' in found[1].message


@pytest.mark.parametrize(
    ("files", "label"),
    [
        (bpmn("main", script_task("evil", "x = __import__('os')")), "script"),
        (bpmn("main", script_task("evil", "import os")), "script"),
        (bpmn("main", script_task("evil", "y = ().__class__.__base__")), "script"),
        (bpmn("main", timer("evil", duration="__import__('os')")), "timer expression"),
        (bpmn("main", service_task("evil", params={"value": "x.__class__"})), "service parameter"),
        (
            {
                "main.bpmn": definitions(
                    process(
                        "main",
                        start("s"),
                        gateway("evil", default="flow_b"),
                        user_task("a"),
                        user_task("b"),
                        flow("s", "evil"),
                        flow("evil", "a", "x.__dict__", flow_id="flow_a"),
                        flow("evil", "b", flow_id="flow_b"),
                    )
                )
            },
            "gateway condition",
        ),
    ],
)
def test_code_the_sandbox_refuses_is_caught_at_deploy(files, label):
    problem = one_problem(files)
    assert (problem.file, problem.element_id) == ("main.bpmn", "evil")
    assert problem.message.startswith(f"{label} is refused by the sandbox: Line 1: ")


def test_lane_not_mapped_to_a_role():
    files = bpmn("main", user_task("approve"), lanes={"Caretaker": ["approve"]})
    problem = one_problem(files)
    assert (problem.file, problem.element_id) == ("main.bpmn", "approve")
    assert problem.message.startswith("lane 'Caretaker' is not mapped to a role")


def test_several_problems_are_all_reported():
    files = bpmn(
        "main",
        user_task("no_form", form=None),
        user_task("bad_form", form="nope"),
        service_task("bad_operator", "nope.op"),
        script_task("bad_script", "x = ().__class__"),
        user_task("bad_lane"),
        lanes={"Caretaker": ["bad_lane"]},
    )
    found = problems(files)
    assert {p.element_id for p in found} == {
        "no_form",
        "bad_form",
        "bad_operator",
        "bad_script",
        "bad_lane",
    }
    assert {p.file for p in found} == {"main.bpmn"}


def test_several_missing_references_are_all_reported():
    files = bpmn(
        "main",
        call_activity("first_call", "nowhere"),
        call_activity("second_call", "nowhere_else"),
        business_rule_task("decide", "no_table"),
    )
    assert {p.element_id for p in problems(files)} == {"first_call", "second_call", "decide"}


def test_main_process_must_exist():
    problem = one_problem(bpmn("other", user_task("t")))
    assert problem.element_id == "main" and "no process with id 'main'" in problem.message


def test_problems_serialize_for_the_api():
    problem = one_problem(bpmn("main", user_task("triage", form="nope")))
    assert problem.as_dict() == {
        "file": "main.bpmn",
        "element_id": "triage",
        "message": "user task names form 'nope', which does not exist in forms/",
    }


def test_valid_model_with_call_activity_across_files_and_a_dmn_compiles(engine):
    files = {
        "main.bpmn": definitions(
            chain("main", user_task("triage"), call_activity("monitoring", "monitoring"))
        ),
        "monitoring.bpmn": definitions(
            chain(
                "monitoring",
                business_rule_task("classify", "attendance_band"),
                user_task("respond", form="school_response"),
            )
        ),
        "attendance_band.dmn": BANDS,
    }
    model = compile_model(files, "main", catalog())
    assert set(model.subprocess_specs) == {"monitoring"}
    assert model.forms_used == {"triage", "school_response"}
    spec = spec_to_dict(model)
    json.dumps(spec)  # stored as JSON on the version row

    started = engine.start(spec, {"attendance_pct": 42})
    monitoring = engine.complete_task(
        spec, started.state, started.serializer_version, started.human_tasks[0].task_id, {}
    )
    [respond] = monitoring.human_tasks
    assert respond.element_id == "respond" and respond.data["band"] == "severe"
    assert [d["element_id"] for d in monitoring.decisions] == ["classify"]
