"""Tests for app.forms.loader: reading form files and refusing what the renderer cannot show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.forms import (
    SUPPORTED_KEYWORDS,
    FormDefinition,
    FormError,
    FormNotFound,
    check_schema,
    content_hash,
    form_file_names,
    form_from_texts,
    list_form_keys,
    load_form,
)

FORMS_DIR = Path(__file__).resolve().parents[3] / "forms"
#: the forms the case pathway's own stages name (other stages add theirs beside them)
PATHWAY_FORMS = {
    "notification",
    "triage",
    "school_response",
    "monitoring_review",
    "closure",
    "safeguarding",
}
SHIPPED = list_form_keys(FORMS_DIR)
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _schema(**properties: dict) -> dict:
    return {"$schema": DRAFT, "type": "object", "properties": properties}


def _write(tmp_path: Path, key: str, schema: object, ui: object | None = None) -> None:
    schema_name, ui_name = form_file_names(key)
    (tmp_path / schema_name).write_text(json.dumps(schema), encoding="utf-8")
    if ui is not None:
        (tmp_path / ui_name).write_text(json.dumps(ui), encoding="utf-8")


def test_shipped_forms_are_listed():
    assert sorted(SHIPPED) == SHIPPED
    assert set(SHIPPED) >= PATHWAY_FORMS


@pytest.mark.parametrize("key", SHIPPED)
def test_shipped_forms_load_with_no_problems(key):
    form = load_form(FORMS_DIR, key)
    assert isinstance(form, FormDefinition)
    assert form.key == key
    assert form.schema["type"] == "object"
    assert form.ui["ui:order"]
    assert check_schema(form.schema, form.ui) == []
    assert len(form.content_hash) == 64


def test_notification_contract_paths_exist():
    schema = load_form(FORMS_DIR, "notification").schema
    props = schema["properties"]
    assert props["school"]["properties"]["urn"]["pattern"] == "^[0-9]{6}$"
    assert props["pupil"]["properties"]["upn"]["format"] == "upn"
    assert props["parents"]["minItems"] == 1
    assert props["parents"]["maxItems"] == 6
    assert props["request_type"]["enum"] == [
        "monitoring",
        "contract",
        "advice",
        "penalty_notice_holiday",
        "legal_consideration",
    ]
    assert set(props["declarations"]["required"]) == {
        "unauthorised_considered",
        "no_known_barrier_to_action",
    }


def test_form_file_names():
    assert form_file_names("triage") == ("triage.schema.json", "triage.ui.json")


def test_missing_ui_file_gives_empty_ui(tmp_path):
    _write(tmp_path, "simple", _schema(name={"type": "string", "title": "Name"}))
    form = load_form(tmp_path, "simple")
    assert form.ui == {}
    assert form.content_hash == content_hash(form.schema, {})


def test_missing_form_raises_form_not_found(tmp_path):
    with pytest.raises(FormNotFound) as info:
        load_form(tmp_path, "absent")
    assert info.value.problems == ["absent.schema.json does not exist"]
    assert isinstance(info.value, FormError)


@pytest.mark.parametrize("key", ["../notification", "forms/triage", "Triage", "", "a-b", "x\n"])
def test_keys_that_could_leave_the_forms_dir_are_refused(key):
    with pytest.raises(FormError) as info:
        load_form(FORMS_DIR, key)
    assert not isinstance(info.value, FormNotFound)
    assert "must match" in info.value.problems[0]


def test_unparseable_json_reports_every_file(tmp_path):
    (tmp_path / "broken.schema.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "broken.ui.json").write_text("[1, 2", encoding="utf-8")
    with pytest.raises(FormError) as info:
        load_form(tmp_path, "broken")
    problems = info.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("broken.schema.json: not valid JSON (line 1")
    assert problems[1].startswith("broken.ui.json: not valid JSON")


def test_from_texts_matches_load_form():
    schema_name, ui_name = form_file_names("triage")
    texts = [(FORMS_DIR / n).read_text(encoding="utf-8") for n in (schema_name, ui_name)]
    assert form_from_texts("triage", *texts) == load_form(FORMS_DIR, "triage")


def test_content_hash_ignores_key_order_but_not_content():
    one = form_from_texts("a", json.dumps(_schema(x={"type": "string", "title": "X"})), "{}")
    reordered = {"properties": {"x": {"title": "X", "type": "string"}}, "type": "object"}
    two = form_from_texts("a", json.dumps({**reordered, "$schema": DRAFT}, indent=4), None)
    three = form_from_texts("a", json.dumps(_schema(x={"type": "string", "title": "Y"})), "{}")
    assert one.content_hash == two.content_hash
    assert one.content_hash != three.content_hash


def test_json_that_is_not_an_object_is_refused():
    with pytest.raises(FormError) as info:
        form_from_texts("a", "[]", '"ui"')
    assert info.value.problems == [
        "a.schema.json: must contain a JSON object",
        "a.ui.json: must contain a JSON object",
    ]


def test_unsupported_keyword_names_its_path():
    address = {"type": "string", "oneOf": [{"maxLength": 5}, {"minLength": 9}]}
    schema = _schema(pupil={"type": "object", "properties": {"address": address}})
    assert check_schema(schema) == ["pupil.address: unsupported keyword 'oneOf'"]


def test_ref_and_defs_are_refused():
    schema = _schema(a={"$ref": "#/$defs/name"})
    schema["$defs"] = {"name": {"type": "string"}}
    problems = check_schema(schema)
    assert "(root): unsupported keyword '$defs'" in problems
    assert "a: unsupported keyword '$ref'" in problems


def test_array_items_are_checked_with_item_path():
    item = {"type": "object", "properties": {"n": {"type": "string", "if": {}}}}
    problems = check_schema(_schema(people={"type": "array", "items": item}))
    assert problems == ["people[].n: unsupported keyword 'if'"]


def test_supported_keywords_are_accepted():
    field = {
        "type": "integer",
        "title": "Count",
        "description": "How many",
        "default": 1,
        "minimum": 0,
        "maximum": 10,
        "exclusiveMinimum": -1,
        "exclusiveMaximum": 11,
        "multipleOf": 1,
        "examples": [3],
        "readOnly": False,
    }
    assert check_schema(_schema(count=field)) == []
    assert {"$schema", "type", "oneOf"} & SUPPORTED_KEYWORDS == {"$schema", "type"}


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"type": "array", "items": {"type": "string"}}, "(root): the form schema must have type"),
        (_schema(a={"type": "string", "format": "uri"}), "a: unsupported format 'uri'"),
        (_schema(a={"type": ["string", "null"]}), "a: 'type' must be one of"),
        (_schema(a={"title": "No type"}), "a: 'type' must be one of"),
        (_schema(a={"type": "array"}), "a: an array needs 'items'"),
        (_schema(a={"type": "object", "additionalProperties": {}}), "a: additionalProperties"),
        ({**_schema(), "required": ["ghost"]}, "(root): required field 'ghost' is not in"),
        ({**_schema(), "$schema": "http://json-schema.org/draft-07/schema#"}, "(root): $schema"),
        (
            _schema(a={"type": "string", "minLength": -1}),
            "/properties/a/minLength: not a valid JSON Schema",
        ),
        (_schema(a=True), "a: boolean schemas are not supported"),
    ],
)
def test_schema_problems(schema, problem):
    problems = check_schema(schema)
    assert any(p.startswith(problem) for p in problems), problems


@pytest.mark.parametrize(
    "schema",
    [
        _schema(a={"type": "string", "format": ["date"]}),
        {**_schema(), "required": [{"x": 1}, 3]},
        {**_schema(), "required": "a"},
        {"type": "object", "properties": ["a"]},
        _schema(a={"type": "array", "items": [{"type": "string"}]}),
        _schema(a=[]),
        [],
        {"type": {"object": True}},
    ],
)
def test_malformed_schemas_give_problems_not_crashes(schema):
    ui = {"a": {"ui:widget": ["text"], "ui:options": {"rows": 1}}, "ui:order": "a"}
    assert check_schema(schema, ui)


def test_unknown_ui_key_is_refused_with_its_path():
    schema = _schema(pupil={"type": "object", "properties": {"name": {"type": "string"}}})
    ui = {"pupil": {"name": {"ui:autofocus": True}}}
    assert check_schema(schema, ui) == ["pupil.name: unknown UI schema key 'ui:autofocus'"]


def test_unknown_ui_key_fails_load(tmp_path):
    _write(tmp_path, "f", _schema(a={"type": "string"}), {"a": {"ui:classNames": "x"}})
    with pytest.raises(FormError) as info:
        load_form(tmp_path, "f")
    assert info.value.problems == ["a: unknown UI schema key 'ui:classNames'"]


def test_ui_for_array_items_is_checked():
    item = {"type": "object", "properties": {"n": {"type": "string"}}}
    schema = _schema(people={"type": "array", "items": item})
    ui = {"people": {"items": {"ui:order": ["n"], "n": {"ui:widget": "textarea"}}}}
    assert check_schema(schema, ui) == []
    ui["people"]["items"]["n"]["ui:bogus"] = 1
    assert check_schema(schema, ui) == ["people[].n: unknown UI schema key 'ui:bogus'"]


@pytest.mark.parametrize(
    ("ui", "problem"),
    [
        ({"ghost": {}}, "(root): UI schema names 'ghost', which is not a field of the form"),
        ({"ui:order": ["a"]}, "(root): ui:order does not list 'choice'"),
        ({"ui:order": ["a", "choice", "zz"]}, "(root): ui:order names 'zz'"),
        ({"a": {"ui:widget": "colour"}}, "a: ui:widget 'colour' is not supported"),
        ({"a": {"ui:widget": "number"}}, "a: ui:widget 'number' cannot show a field of type"),
        ({"choice": {"ui:enumNames": ["One"]}}, "choice: ui:enumNames must have one label per"),
        ({"a": {"ui:options": {"rows": 3, "wrap": True}}}, "a: ui:options option 'wrap'"),
        ({"a": {"ui:readonly": "yes"}}, "a: ui:readonly must be true or false"),
        ({"a": {"ui:help": 3}}, "a: ui:help must be a string"),
        ({"a": "textarea"}, "a: the UI schema must be a JSON object"),
    ],
)
def test_ui_problems(ui, problem):
    schema = _schema(a={"type": "string"}, choice={"type": "string", "enum": ["1", "2"]})
    problems = check_schema(schema, ui)
    assert any(p.startswith(problem) for p in problems), problems


def test_supported_ui_keys_are_accepted():
    schema = _schema(a={"type": "string"}, choice={"type": "string", "enum": ["1", "2"]})
    ui = {
        "ui:order": ["choice", "*"],
        "a": {"ui:widget": "textarea", "ui:title": "A", "ui:placeholder": "a", "ui:readonly": True},
        "choice": {"ui:widget": "radio", "ui:enumNames": ["One", "Two"], "ui:help": "Pick"},
    }
    assert check_schema(schema, ui) == []


def test_every_problem_is_reported_at_once(tmp_path):
    schema = _schema(a={"type": "string", "oneOf": []}, b={"type": "string", "anyOf": []})
    _write(tmp_path, "many", schema, {"a": {"ui:nope": 1}})
    with pytest.raises(FormError) as info:
        load_form(tmp_path, "many")
    problems = info.value.problems
    assert "a: unsupported keyword 'oneOf'" in problems
    assert "b: unsupported keyword 'anyOf'" in problems
    assert "a: unknown UI schema key 'ui:nope'" in problems
    assert "a: unsupported keyword 'oneOf'" in str(info.value)
