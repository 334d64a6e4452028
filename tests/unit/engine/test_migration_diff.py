"""The readable diff between two versions: elements, decision-table rows and form fields."""

from __future__ import annotations

import json

from app.engine import Change, diff_versions

from .diagrams import bpmn, dmn, gateway, service_task, timer, user_task

DI = (
    '<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="d">'
    '<bpmndi:BPMNPlane id="p" bpmnElement="main"/></bpmndi:BPMNDiagram>'
)


def _text(files):
    return {name: content.decode() for name, content in files.items()}


def _model(**kw):
    name = kw.get("name", "Triage")
    nodes = [
        user_task("triage", name, form=kw.get("form", "triage")),
        service_task("calc", params={"value": kw.get("value", "1")}),
        timer("wait", duration=kw.get("wait", '"P5W"')),
    ]
    if kw.get("extra"):
        nodes.append(user_task("extra", "Extra step", form="school_response"))
    return _text(bpmn("main", *nodes))


def test_identical_versions_have_no_diff():
    assert diff_versions(_model(), _model()).is_empty


def test_layout_only_changes_are_not_changes():
    old = _model()
    new = {"main.bpmn": old["main.bpmn"].replace("</bpmn:definitions>", DI + "</bpmn:definitions>")}
    assert diff_versions(old, new).is_empty


def test_changed_elements_say_what_changed_in_words():
    diff = diff_versions(_model(), _model(name="Triage it", form="school_response", wait='"P6W"'))
    assert diff.elements == [
        Change(
            "main.bpmn",
            "triage",
            "changed",
            "user task 'Triage it'",
            ("name: 'Triage' → 'Triage it'", "form: 'triage' → 'school_response'"),
        ),
        Change(
            "main.bpmn",
            "wait",
            "changed",
            "intermediate catch event",
            ("""timer duration: '"P5W"' → '"P6W"'""",),
        ),
    ]


def test_added_and_removed_elements_and_flows():
    diff = diff_versions(_model(), _model(extra=True))
    changes = {(c.item, c.change) for c in diff.elements}
    assert ("extra", "added") in changes
    assert ("flow_extra_main_end", "added") in changes
    assert ("flow_wait_main_end", "removed") in changes
    [added] = [c for c in diff.elements if c.item == "extra"]
    assert added.label == "user task 'Extra step'" and "form: 'school_response'" in added.details


def test_service_parameters_are_compared_one_by_one():
    [change] = diff_versions(_model(), _model(value="2")).elements
    assert change.details == ("parameter value: '1' → '2'",)


def test_gateway_default_flow_change():
    old = _text(bpmn("main", gateway("g", "Route?", default="a")))
    new = _text(bpmn("main", gateway("g", "Route?", default="b")))
    [change] = diff_versions(old, new).elements
    assert change.details == ("default: 'a' → 'b'",)


def _band(boundary):
    rules = [("<= 50", '"severe"'), (f"<= {boundary}", '"persistent"'), ("> 90", '"universal"')]
    return dmn("attendance_band", "attendance_pct", "band", rules).decode()


def test_dmn_rows_changed():
    diff = diff_versions({"band.dmn": _band(90)}, {"band.dmn": _band(85)})
    assert diff.dmn_rows == [
        Change(
            "band.dmn",
            "attendance_band/rule_2",
            "changed",
            "Attendance Band: row 2",
            ("when Input: '<= 90' → '<= 85'",),
        )
    ]
    assert not diff.elements


def test_dmn_rows_added_and_removed():
    fewer = dmn("attendance_band", "attendance_pct", "band", [("<= 50", '"severe"')]).decode()
    diff = diff_versions({"band.dmn": _band(90)}, {"band.dmn": fewer})
    assert [(c.item, c.change) for c in diff.dmn_rows] == [
        ("attendance_band/rule_2", "removed"),
        ("attendance_band/rule_3", "removed"),
    ]


def _form(**fields):
    return json.dumps({"type": "object", "properties": fields, "required": ["reasons"]})


def test_form_fields_added_removed_and_changed():
    old = {"forms/triage.schema.json": _form(reasons={"type": "string"}, old={"type": "string"})}
    new = {
        "forms/triage.schema.json": _form(
            reasons={"type": "string", "maxLength": 500}, outcome={"type": "string"}
        )
    }
    diff = diff_versions(old, new)
    assert [(c.item, c.change, c.details) for c in diff.form_fields] == [
        ("old", "removed", ()),
        ("reasons", "changed", ("maxLength added: '500'",)),
        ("outcome", "added", ("required: 'no'",)),
    ]


def test_files_added_and_removed():
    diff = diff_versions({"a.bpmn": "<x/>"}, {"b.dmn": "<y/>"})
    assert (diff.files_added, diff.files_removed) == (["b.dmn"], ["a.bpmn"])
