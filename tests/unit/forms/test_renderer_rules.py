"""The renderer and the loader stay in step; repeatable-section buttons; pruning; coercion."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.forms import check_schema, form_from_texts
from app.forms.submission import change_items, coerce, prune_empty

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def schema(**properties: Any) -> dict[str, Any]:
    return {"$schema": DRAFT, "type": "object", "properties": properties}


FLAG = {"type": "boolean", "title": "Flag"}
CHOICE = {"type": "string", "enum": ["a", "b", "c", "d", "e", "f"]}
TEXT = {"type": "string"}


@pytest.mark.parametrize(
    ("ui", "problem"),
    [
        ({"t": {"ui:options": {"reveal_if": {"field": "flag", "equals": True}}}}, None),
        ({"t": {"ui:options": {"reveal_if": "flag"}}}, "t: ui:options reveal_if must be"),
        (
            {"t": {"ui:options": {"reveal_if": {"field": "ghost", "equals": True}}}},
            "t: ui:options reveal_if names 'ghost'",
        ),
        (
            {"t": {"ui:options": {"reveal_if": {"field": "flag", "equals": "yes"}}}},
            "t: ui:options reveal_if 'yes' is not an answer of 'flag'",
        ),
        (
            {"t": {"ui:options": {"reveal_if": {"field": "choice", "equals": "a"}}}},
            "t: ui:options reveal_if needs 'choice' to be shown as radios",
        ),
        (
            {
                "choice": {"ui:widget": "radio"},
                "t": {"ui:options": {"reveal_if": {"field": "choice", "equals": "a"}}},
            },
            None,
        ),
        (
            {
                "flag": {"ui:options": {"reveal_if": {"field": "choice", "equals": "a"}}},
                "choice": {"ui:widget": "radio"},
                "t": {"ui:options": {"reveal_if": {"field": "flag", "equals": True}}},
            },
            "t: ui:options reveal_if cannot depend on 'flag', which is itself revealed",
        ),
        (
            {"t": {"ui:options": {"reveal_if": {"field": "t", "equals": True}}}},
            "t: ui:options reveal_if names 't'",
        ),
    ],
)
def test_reveal_if_is_checked_when_the_form_is_loaded(ui, problem):
    problems = check_schema(schema(flag=FLAG, choice=CHOICE, t=TEXT), ui)
    assert problems == ([] if problem is None else [p for p in problems if p.startswith(problem)])
    assert (problem is None) == (problems == [])


def test_a_revealed_field_may_not_be_required():
    form = {**schema(flag=FLAG, t=TEXT), "required": ["t"]}
    ui = {"t": {"ui:options": {"reveal_if": {"field": "flag", "equals": True}}}}
    assert check_schema(form, ui) == [
        "t: ui:options reveal_if cannot be used on a required field "
        "('t' is only asked when revealed)"
    ]


@pytest.mark.parametrize(
    ("field", "ui", "problem"),
    [
        ({"type": "string", "const": "x"}, {}, "f: 'const' is only supported as true"),
        ({"type": "boolean", "const": False}, {}, "f: 'const' is only supported as true"),
        (
            {"type": "array", "items": {"type": "array", "items": TEXT}},
            {},
            "f: arrays of arrays are not supported",
        ),
        (TEXT, {"f": {"ui:widget": "radio"}}, "f: ui:widget 'radio' needs a list of answers"),
        (TEXT, {"f": {"ui:widget": "select"}}, "f: ui:widget 'select' needs a list of answers"),
        (
            {"type": "array", "items": TEXT},
            {"f": {"ui:widget": "checkboxes"}},
            "f: ui:widget 'checkboxes' needs items with a list of answers",
        ),
    ],
)
def test_what_the_renderer_cannot_show_is_refused(field, ui, problem):
    problems = check_schema(schema(f=field), ui)
    assert any(p.startswith(problem) for p in problems), problems


PEOPLE = {
    "type": "array",
    "maxItems": 2,
    "items": {
        "type": "object",
        "properties": {
            "name": TEXT,
            "phones": {"type": "array", "items": TEXT},
        },
    },
}
FORM = form_from_texts("people", json.dumps(schema(people=PEOPLE, flag=FLAG)), None)


def test_add_and_remove_items_including_nested_lists():
    data = {"people": [{"name": "A"}]}
    added = change_items(FORM, data, "add", "people")
    assert added == {"people": [{"name": "A"}, {}]} and data == {"people": [{"name": "A"}]}
    assert change_items(FORM, added, "add", "people") == added  # maxItems 2
    nested = change_items(FORM, data, "add", "people.0.phones")
    assert nested == {"people": [{"name": "A", "phones": [None]}]}
    assert change_items(FORM, nested, "remove", "people.0.phones.0") == {
        "people": [{"name": "A", "phones": []}]
    }
    assert change_items(FORM, added, "remove", "people.0") == {"people": [{}]}
    assert change_items(FORM, {}, "add", "people") == {"people": [{}]}


@pytest.mark.parametrize(
    ("action", "target"),
    [
        ("add", "flag"),
        ("add", "ghost"),
        ("remove", "people.9"),
        ("remove", "people"),
        ("add", "people.0.name"),
        ("explode", "people"),
        ("add", ""),
    ],
)
def test_bogus_buttons_change_nothing(action, target):
    data = {"people": [{"name": "A"}], "flag": True}
    assert change_items(FORM, data, action, target) == data


def test_prune_keeps_required_groups_and_drops_empty_items():
    form = {
        "type": "object",
        "required": ["group", "must"],
        "properties": {
            "group": {"type": "object", "properties": {"x": TEXT}},
            "spare": {"type": "object", "properties": {"x": TEXT}},
            "must": TEXT,
            "list": {"type": "array", "items": {"type": "object", "properties": {"x": TEXT}}},
            "two": {
                "type": "array",
                "minItems": 2,
                "items": {"type": "object", "properties": {"x": TEXT}},
            },
        },
    }
    data = {
        "group": {"x": ""},
        "spare": {"x": None},
        "must": "",
        "list": [{}, {"x": "k"}, {}],
        "two": [{}, {"x": "k"}, {"x": ""}, {}],
    }
    assert prune_empty(form, data) == {
        "group": {},
        "list": [{"x": "k"}],
        "two": [{}, {"x": "k"}],  # one blank item kept to reach minItems 2
    }


@pytest.mark.parametrize(
    ("field", "raw", "value"),
    [
        ({"type": "string", "format": "upn"}, " a123 456 ", "A123456"),
        ({"type": "integer"}, " -12 ", -12),
        ({"type": "number"}, "2.50", 2.5),
        ({"type": "number"}, "inf", "inf"),
        ({"type": "boolean"}, "true", True),
        ({"type": "boolean"}, "maybe", "maybe"),
        ({"type": "integer", "enum": [1, 2]}, "2", 2),
        ({"type": "string"}, "  \r\n", None),
        ({"type": "string"}, "a\r\nb", "a\nb"),
    ],
)
def test_posted_strings_become_json_types(field, raw, value):
    assert coerce(field, raw) == value
