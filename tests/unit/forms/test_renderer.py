"""The form renderer: GOV.UK markup per widget, error summaries, read-only data, reveals."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from formpost import field_names, form_fields
from werkzeug.datastructures import MultiDict

from app.forms import check_schema, form_from_texts, list_form_keys, load_form
from app.forms.fields import widget_kind
from app.forms.renderer import build_fields, render_form, render_summary
from app.forms.submission import check_submission, read_submission

ROOT = Path(__file__).resolve().parents[3]
DRAFT = "https://json-schema.org/draft/2020-12/schema"

SCHEMA: dict[str, Any] = {
    "$schema": DRAFT,
    "type": "object",
    "title": "Everything",
    "properties": {
        "name": {"type": "string", "title": "Full name", "description": "As on the register"},
        "notes": {"type": "string", "title": "Notes"},
        "count": {"type": "integer", "title": "Sessions", "minimum": 0},
        "ratio": {"type": "number", "title": "Ratio"},
        "born": {"type": "string", "title": "Date of birth", "format": "date"},
        "email": {"type": "string", "title": "Email", "format": "email"},
        "colour": {"type": "string", "title": "Colour", "enum": ["red", "blue"]},
        "year": {"type": "string", "title": "Year", "enum": [f"Y{i}" for i in range(1, 8)]},
        "agree": {"type": "boolean", "title": "Agrees"},
        "sure": {"type": "boolean", "title": "I am sure", "const": True},
        "kinds": {
            "type": "array",
            "title": "Kinds",
            "items": {"type": "string", "enum": ["a", "b", "c"]},
        },
        "has_worker": {"type": "boolean", "title": "Has a social worker"},
        "worker": {"type": "string", "title": "Social worker's name"},
        "address": {
            "type": "object",
            "title": "Address",
            "properties": {"line": {"type": "string", "title": "Line 1"}},
            "required": ["line"],
        },
        "people": {
            "type": "array",
            "title": "People",
            "minItems": 1,
            "maxItems": 3,
            "items": {
                "type": "object",
                "title": "Person",
                "properties": {"who": {"type": "string", "title": "Who"}},
                "required": ["who"],
            },
        },
        "phones": {"type": "array", "title": "Phones", "items": {"type": "string"}},
        "ref": {"type": "string", "title": "Reference", "readOnly": True},
        "secret": {"type": "string", "title": "Secret"},
    },
    "required": ["name", "colour", "born", "people", "address", "sure"],
}
UI: dict[str, Any] = {
    "notes": {"ui:widget": "textarea", "ui:options": {"rows": 3}, "ui:help": "Be brief"},
    "colour": {"ui:enumNames": ["Red", "Blue"]},
    "kinds": {"ui:widget": "checkboxes", "ui:enumNames": ["Kind A", "Kind B", "Kind C"]},
    "worker": {"ui:options": {"reveal_if": {"field": "has_worker", "equals": True}}},
    "secret": {"ui:widget": "hidden"},
    "count": {"ui:options": {"width": 4}},
}
FORM = form_from_texts("everything", json.dumps(SCHEMA), json.dumps(UI))


def html_of(data: Any = None, errors: Any = None, readonly: Any = ()) -> str:
    return str(render_form(FORM, data or {}, errors, readonly=frozenset(readonly)).fields)


def submit(fields: Any, base: Any = None, readonly: Any = ()) -> tuple[dict, dict]:
    submission = read_submission(FORM, fields, base=base, readonly=frozenset(readonly))
    return check_submission(FORM, submission)


def test_the_test_form_is_accepted_by_the_loader():
    assert check_schema(SCHEMA, UI) == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("name", "text"),
        ("notes", "textarea"),
        ("count", "number"),
        ("ratio", "number"),
        ("born", "date"),
        ("email", "email"),
        ("colour", "radios"),
        ("year", "select"),
        ("agree", "radios"),
        ("sure", "confirm"),
        ("kinds", "checkboxes"),
        ("address", "fieldset"),
        ("people", "repeat"),
        ("phones", "repeat"),
        ("secret", "hidden"),
    ],
)
def test_each_schema_node_gets_its_control(name, kind):
    assert widget_kind(SCHEMA["properties"][name], UI.get(name, {})) == kind


def test_markup_uses_govuk_components_labels_hints_and_optional():
    html = html_of({"count": 3})
    assert '<label class="govuk-label govuk-label--s" for="name">Full name</label>' in html
    assert '<div id="name-hint" class="govuk-hint">As on the register</div>' in html
    assert 'aria-describedby="name-hint"' in html
    assert "Notes (optional)" in html and "Be brief" in html and 'rows="3"' in html
    assert 'class="govuk-input govuk-input--width-4"' in html and 'inputmode="numeric"' in html
    assert 'value="3"' in html and 'inputmode="decimal"' in html
    assert 'type="email"' in html and 'spellcheck="false"' in html
    assert 'class="govuk-radios"' in html and ">Red</label>" in html
    assert '<select class="govuk-select" id="year" name="year">' in html
    assert 'class="govuk-radios govuk-radios--inline"' in html and ">Yes</label>" in html
    assert 'type="checkbox" value="true"' in html and ">I am sure</label>" in html
    assert 'name="kinds" type="checkbox" value="b"' in html and ">Kind B</label>" in html
    assert '<h2 class="govuk-fieldset__heading">Address</h2>' in html
    assert 'name="born[day]"' in html and 'name="born[year]"' in html
    assert "For example, 27 3 2007" in html
    assert 'name="secret"' not in html and "Secret" not in html


def test_values_and_errors_are_escaped():
    html = html_of({"name": '<script>alert("x")</script>'}, {"name": ["Bad <b>thing</b>"]})
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "Bad &lt;b&gt;thing&lt;/b&gt;" in html


def test_error_summary_links_every_error_in_page_order_with_the_right_anchor():
    errors = {
        "people.0.who": ["Enter Who"],
        "name": ["Enter Full name"],
        "born": ["Date of birth must be a real date"],
        "colour": ["Select Colour"],
        "_root": ["Something about the whole form"],
    }
    rendered = render_form(FORM, {}, errors)
    assert rendered.has_errors
    assert rendered.errors == [
        ("name", "Enter Full name"),
        ("born-day", "Date of birth must be a real date"),
        ("colour", "Select Colour"),
        ("people-0-who", "Enter Who"),
        ("name", "Something about the whole form"),
    ]
    summary = str(rendered.error_summary)
    assert 'data-module="govuk-error-summary"' in summary and "There is a problem" in summary
    html = str(rendered.fields)
    assert '<p id="name-error" class="govuk-error-message">' in html
    assert 'aria-describedby="name-hint name-error"' in html
    assert "govuk-form-group--error" in html and "govuk-input--error" in html
    assert 'id="colour" name="colour" type="radio"' in html  # the first radio carries the id


def test_a_complete_post_round_trips_to_json_types():
    data = {
        "name": "Ada",
        "notes": "Line one\nLine two",
        "count": 12,
        "ratio": 0.5,
        "born": "2016-05-04",
        "colour": "blue",
        "agree": False,
        "sure": True,
        "kinds": ["a", "c"],
        "has_worker": True,
        "worker": "Sam",
        "address": {"line": "1 Road"},
        "people": [{"who": "Mum"}, {"who": "Dad"}],
        "phones": ["0123"],
    }
    result, errors = submit(form_fields(html_of(data), None))
    assert errors == {} and result == data
    assert 'value="4"' in html_of(data) and 'value="5"' in html_of(data)  # day and month


def test_empty_optional_answers_are_dropped_and_required_ones_reported():
    result, errors = submit(form_fields(html_of({}), None))
    # a required group stays, and so does the blank person that minItems needs, so that their
    # own fields are reported one by one
    assert result == {"address": {}, "people": [{}]}
    assert list(errors) == ["name", "born", "colour", "sure", "address.line", "people.0.who"]
    assert errors["sure"] == ["You must confirm: I am sure"]


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2020", "Date of birth must be a real date"),
        ("", "2", "2020", "Date of birth must include a day"),
        ("1", "", "", "Date of birth must include a month and year"),
        ("1", "2", "20", "Date of birth must include a year with 4 numbers"),
        ("1st", "2", "2020", "Date of birth must be a real date"),
    ],
)
def test_date_problems_have_govuk_messages_and_keep_the_typing(day, month, year, message):
    fields = form_fields(html_of({}), None)
    for name, value in {"born[day]": day, "born[month]": month, "born[year]": year}.items():
        fields[name] = value
    submission = read_submission(FORM, fields)
    _data, errors = check_submission(FORM, submission)
    assert errors["born"] == [message]
    again = form_fields(html_of(submission.data, errors), None)
    assert (again["born[day]"], again["born[month]"], again["born[year]"]) == (day, month, year)


def test_numbers_that_are_not_numbers_are_kept_and_reported():
    fields = form_fields(html_of({}), None)
    for name, value in {
        "count": "twelve",
        "ratio": "1,5x",
        "colour": "green",
        "kinds": "z",
    }.items():
        fields[name] = value
    submission = read_submission(FORM, fields)
    _data, errors = check_submission(FORM, submission)
    assert errors["count"] == ["Sessions must be a whole number"]
    assert errors["ratio"] == ["Ratio must be a number"]
    assert errors["colour"] == ["Select one of the options for Colour"]
    assert errors["kinds"] == ["Select one of the options for Kinds"]
    assert 'value="twelve"' in html_of(submission.data, errors)
    assert read_submission(FORM, MultiDict({"count": "1,200"})).data["count"] == 1200


def test_reveal_puts_the_field_inside_the_chosen_radio_and_drops_it_otherwise():
    html = html_of({"has_worker": True, "worker": "Sam"})
    block = re.search(r'id="conditional-has_worker"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    assert block and 'name="worker"' in block.group(1)
    assert 'data-aria-controls="conditional-has_worker"' in html
    assert "govuk-radios--inline" not in html.split('name="has_worker"')[0][-400:]
    hidden = html_of({"has_worker": False})
    assert 'class="govuk-radios__conditional govuk-radios__conditional--hidden"' in hidden
    fields = form_fields(html_of({"has_worker": False}), None)
    fields["worker"] = "typed but not revealed"
    assert "worker" not in read_submission(FORM, fields).data
    fields["has_worker"] = "true"
    assert read_submission(FORM, fields).data["worker"] == "typed but not revealed"


def test_read_only_and_hidden_values_come_from_the_earlier_data_never_the_post():
    base = {"ref": "ATT-1", "secret": "kept", "name": "Base name"}
    html = html_of(base, readonly=("name",))
    assert 'name="ref"' not in html and "ATT-1" in html and "app-readonly" in html
    assert 'name="name"' not in html and "Base name" in html
    forged = form_fields(html, None)
    for name in ("ref", "secret", "name"):
        forged[name] = "forged"
    data = read_submission(FORM, forged, base=base, readonly=frozenset({"name"})).data
    assert (data["ref"], data["secret"], data["name"]) == ("ATT-1", "kept", "Base name")


def test_repeatable_sections_render_remove_and_add_buttons():
    html = html_of({"people": [{"who": "A"}, {"who": "B"}]})
    assert 'name="people[items]" value="2"' in html
    assert 'value="remove:people.1"' in html and "Remove<span" in html
    assert 'value="add:people"' in html and "Add another person" in html
    assert '<h3 class="govuk-fieldset__heading">Person 2</h3>' in html
    full = html_of({"people": [{"who": "A"}, {"who": "B"}, {"who": "C"}]})
    assert 'value="add:people"' not in full  # maxItems reached
    one = html_of({"people": [{"who": "A"}]})
    assert 'value="remove:people.0"' not in one  # minItems 1


def test_read_only_summary_of_earlier_answers():
    html = str(
        render_summary(
            FORM,
            {
                "name": "Ada",
                "born": "2016-05-04",
                "colour": "blue",
                "agree": False,
                "kinds": ["a", "c"],
                "address": {"line": "1 Road"},
                "people": [{"who": "Mum"}],
                "notes": "two\nlines",
            },
        )
    )
    assert "4 May 2016" in html and ">Blue<" in html and ">No<" in html
    assert "Kind A, Kind C" in html and "1 Road" in html and "People \u2013 1" in html
    assert "app-pre-line" in html and "govuk-summary-list" in html


@pytest.mark.parametrize("key", list_form_keys(ROOT / "forms"))
def test_every_shipped_form_renders_and_reads_back_empty(key):
    form = load_form(ROOT / "forms", key)
    rendered = render_form(form, {})
    names = field_names(rendered.fields, None)
    assert len(names) == len(set(names)) or all("[" in n or n for n in names)
    submission = read_submission(form, form_fields(rendered.fields, None))
    _data, errors = check_submission(form, submission)
    for name in form.schema.get("required", []):  # each required answer is asked for
        assert any(key == name or key.startswith(f"{name}.") for key in errors), name


def test_build_fields_marks_depth_and_optional():
    fields = {f.name: f for f in build_fields(FORM, {})}
    assert fields["address"].children[0].name == "address.line"
    assert fields["address"].children[0].depth == 1 and not fields["address"].optional
    assert fields["notes"].optional and not fields["name"].optional
