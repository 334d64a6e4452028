"""Tests for app.forms.validator: field-keyed, plain-English validation and UPN checks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from factories_forms import PUPIL_UPN, SCHOOL_URN, valid_notification
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gb import upn as stdnum_upn

from app.forms import ROOT_KEY, is_valid_upn, load_form, make_upn, validate_submission

FORMS_DIR = Path(__file__).resolve().parents[3] / "forms"
#: LA numbers that python-stdnum knows (it also checks the LA part, which we do not).
KNOWN_LAS = [201, 202, 330, 372, 886, 919, 937]


@pytest.fixture(scope="module")
def notification_schema() -> dict:
    return load_form(FORMS_DIR, "notification").schema


def _bad_check_letter(upn: str) -> str:
    return ("B" if upn[0] == "A" else "A") + upn[1:]


def test_valid_notification_validates_clean(notification_schema):
    data = valid_notification()
    assert data["school"] == {
        "urn": SCHOOL_URN,
        "name": "Riverside Primary School",
        "laestab": "9372001",
    }
    assert is_valid_upn(data["pupil"]["upn"])
    assert validate_submission(notification_schema, data) == {}


def test_factory_merges_dict_overrides_and_returns_fresh_copies():
    changed = valid_notification(pupil={"surname": "Other"}, request_type="advice")
    assert changed["pupil"]["surname"] == "Other"
    assert changed["pupil"]["upn"] == PUPIL_UPN
    assert changed["request_type"] == "advice"
    changed["parents"].clear()
    assert valid_notification()["parents"]


def test_missing_nested_required_fields_are_reported_at_child_paths(notification_schema):
    data = valid_notification()
    del data["pupil"]["surname"]
    del data["pupil"]["year_group"]
    del data["referrer"]["headteacher_authorisation"]["date"]
    del data["parents"][0]["full_name"]
    del data["declarations"]["no_known_barrier_to_action"]
    del data["request_type"]
    assert validate_submission(notification_schema, data) == {
        "referrer.headteacher_authorisation.date": ["Enter Date authorised"],
        "pupil.surname": ["Enter Surname"],
        "pupil.year_group": ["Select National curriculum year group"],
        "parents.0.full_name": ["Enter Full name"],
        "request_type": ["Select Request type"],
        "declarations.no_known_barrier_to_action": [
            "You must confirm: No circumstances are known that would prevent legal action"
        ],
    }


def test_missing_sections_are_reported_by_section(notification_schema):
    data = valid_notification()
    del data["pupil"]
    del data["parents"]
    errors = validate_submission(notification_schema, data)
    assert errors == {
        "pupil": ["Complete the Pupil section"],
        "parents": ["Add at least one entry to Parents and carers"],
    }


def test_empty_required_string_is_treated_as_missing(notification_schema):
    errors = validate_submission(notification_schema, valid_notification(pupil={"surname": ""}))
    assert errors == {"pupil.surname": ["Enter Surname"]}


def test_bad_upn_check_letter(notification_schema):
    bad = _bad_check_letter(PUPIL_UPN)
    errors = validate_submission(notification_schema, valid_notification(pupil={"upn": bad}))
    assert errors == {"pupil.upn": ["UPN is not a valid unique pupil number"]}


def test_impossible_date(notification_schema):
    data = valid_notification(pupil={"date_of_birth": "2026-02-30"})
    assert validate_submission(notification_schema, data) == {
        "pupil.date_of_birth": ["Date of birth must be a real date"]
    }


@pytest.mark.parametrize("value", ["2026-02-30", "2025-13-01", "20250101", "1/2/2025", "2025-1-01"])
def test_dates_must_be_real_iso_dates(notification_schema, value):
    data = valid_notification(parent_informed={"date": value})
    errors = validate_submission(notification_schema, data)
    assert errors == {"parent_informed.date": ["Date the parent was informed must be a real date"]}


def test_negative_and_non_integer_sessions(notification_schema):
    data = valid_notification(
        attendance={"attended_sessions": -1, "possible_sessions": 0, "authorised_absences": 2.5}
    )
    assert validate_submission(notification_schema, data) == {
        "attendance.possible_sessions": ["Possible sessions must be 1 or more"],
        "attendance.attended_sessions": ["Sessions attended must be 0 or more"],
        "attendance.authorised_absences": ["Authorised absences (sessions) must be a whole number"],
    }


def test_percentage_range_and_text_for_number(notification_schema):
    data = valid_notification(attendance={"attendance_pct_last_year": 100.5})
    assert validate_submission(notification_schema, data) == {
        "attendance.attendance_pct_last_year": [
            "Attendance last school year (%) must be 100 or less"
        ]
    }
    data = valid_notification(attendance={"attendance_pct_last_year": "ninety"})
    assert validate_submission(notification_schema, data) == {
        "attendance.attendance_pct_last_year": ["Attendance last school year (%) must be a number"]
    }


def test_out_of_enum_values(notification_schema):
    data = valid_notification(request_type="prosecute_now", pupil={"year_group": "Year 14"})
    data["parents"][0]["relationship"] = "Neighbour"
    data["school_actions"][1]["action"] = "Shouted"
    assert validate_submission(notification_schema, data) == {
        "pupil.year_group": ["Select one of the options for National curriculum year group"],
        "parents.0.relationship": ["Select one of the options for Relationship to the pupil"],
        "school_actions.1.action": ["Select one of the options for Action"],
        "request_type": ["Select one of the options for Request type"],
    }


def test_empty_parents_array(notification_schema):
    errors = validate_submission(notification_schema, valid_notification(parents=[]))
    assert errors == {"parents": ["Parents and carers must have at least 1 entry"]}


def test_too_many_parents(notification_schema):
    parents = valid_notification()["parents"] * 7
    errors = validate_submission(notification_schema, valid_notification(parents=parents))
    assert errors == {"parents": ["Parents and carers must have no more than 6 entries"]}


def test_declarations_must_be_confirmed(notification_schema):
    data = valid_notification(declarations={"unauthorised_considered": False})
    errors = validate_submission(notification_schema, data)
    assert errors == {
        "declarations.unauthorised_considered": [
            "You must confirm: Absences recorded as unauthorised have been considered, "
            "and the parent knows of the decision"
        ]
    }


def test_formats_and_patterns(notification_schema):
    data = valid_notification(
        school={"urn": "12345", "laestab": "93720011"},
        referrer={"email": "not-an-email"},
        pupil={"postcode": "NOT A POSTCODE", "interpreter_needed": "yes"},
    )
    assert validate_submission(notification_schema, data) == {
        "school.urn": ["School URN is not in the correct format"],
        "school.laestab": [
            "LAESTAB must be 7 characters or fewer",
            "LAESTAB is not in the correct format",
        ],
        "referrer.email": ["Enter Your email address in the correct format, like name@example.com"],
        "pupil.interpreter_needed": ["Select yes or no for Interpreter needed"],
        "pupil.postcode": [
            "Postcode must be 10 characters or fewer",
            "Postcode is not in the correct format",
        ],
    }


@pytest.mark.parametrize("postcode", ["CV34 4AA", "cv34 4aa", "B1 1AA", "SW1A1AA", "EC1A 1BB"])
def test_postcodes_accepted(notification_schema, postcode):
    data = valid_notification(pupil={"postcode": postcode})
    assert validate_submission(notification_schema, data) == {}


def test_unknown_fields_are_reported_at_their_path(notification_schema):
    data = valid_notification(pupil={"shoe_size": 5}, extra="x")
    assert validate_submission(notification_schema, data) == {
        "pupil.shoe_size": ["This is not a field on this form"],
        "extra": ["This is not a field on this form"],
    }


def test_null_for_a_required_field_reads_as_missing(notification_schema):
    errors = validate_submission(notification_schema, valid_notification(pupil={"surname": None}))
    assert errors == {"pupil.surname": ["Enter Surname"]}


@pytest.mark.parametrize("data", [[], "text", None, 3])
def test_non_object_root(notification_schema, data):
    assert validate_submission(notification_schema, data) == {
        ROOT_KEY: ["The form data must be a JSON object"]
    }


def test_all_errors_collected_in_schema_order_and_deterministically(notification_schema):
    data = valid_notification(request_type="x", parents=[], pupil={"upn": "A"})
    del data["school"]["name"]
    first = validate_submission(notification_schema, data)
    assert list(first) == ["school.name", "pupil.upn", "parents", "request_type"]
    assert first == validate_submission(notification_schema, data)
    assert "" not in first


def test_triage_form():
    schema = load_form(FORMS_DIR, "triage").schema
    ok = {
        "outcome": "return_to_school",
        "override_reason": "The school has not reviewed its action plan.",
        "reasons": "No concern letters.",
        "missing_evidence": ["letters"],
    }
    assert validate_submission(schema, ok) == {}
    bad = {"outcome": "maybe", "missing_evidence": ["letters", "letters", "cake"]}
    assert validate_submission(schema, bad) == {
        "outcome": ["Select one of the options for Triage decision"],
        "reasons": ["Enter Reasons for the decision"],
        "missing_evidence": [
            "Select one of the options for Missing evidence",
            "Missing evidence must not contain the same answer twice",
        ],
    }


def test_school_response_form():
    schema = load_form(FORMS_DIR, "school_response").schema
    assert validate_submission(schema, {"response": "withdraw"}) == {}
    assert validate_submission(schema, {"comments": "x" * 4001}) == {
        "response": ["Select Your response"],
        "comments": ["Comments must be 4000 characters or fewer"],
    }


# ---------------------------------------------------------------------------- UPN


def test_make_upn_builds_valid_permanent_upns():
    upn = make_upn(937, 2001, 19, 42)
    assert upn[1:] == "937200119042"
    assert len(upn) == 13
    assert is_valid_upn(upn)
    assert not is_valid_upn(_bad_check_letter(upn))


@pytest.mark.parametrize(
    ("la", "estab", "year", "serial"),
    [(1000, 1, 1, 1), (1, -1, 1, 1), (1, 1, 100, 1), (1, 1, 1, 1000)],
)
def test_make_upn_rejects_out_of_range_parts(la, estab, year, serial):
    with pytest.raises(ValueError, match="must be between 0 and"):
        make_upn(la, estab, year, serial)


@pytest.mark.parametrize(
    "value",
    ["", "A12345678901", "A1234567890123", "a801200005001", "I801200005001", "A80120000500",
     "A8012000050 1", "A80120000500!", "A8012000050O1", 801200005001, None],
)  # fmt: skip
def test_malformed_upns_are_invalid(value):
    assert not is_valid_upn(value)


def test_stdnum_documented_example_is_valid():
    assert is_valid_upn("B801200005001")


def test_is_valid_upn_agrees_with_stdnum_over_generated_numbers():
    rng = random.Random(20250901)
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    checked = valid_seen = 0
    for _ in range(600):
        body = f"{rng.choice(KNOWN_LAS):03d}{rng.randrange(10**4):04d}{rng.randrange(100):02d}"
        if rng.random() < 0.3:  # temporary UPN: 2-digit serial and a letter
            body += f"{rng.randrange(100):02d}{rng.choice(letters)}"
        else:
            body += f"{rng.randrange(1000):03d}"
        correct = stdnum_upn.calc_check_digit(body)
        check = correct if rng.random() < 0.5 else rng.choice(letters)
        number = check + body
        try:
            stdnum_upn.validate(number)
            expected = True
        except StdnumError:
            expected = False
        assert is_valid_upn(number) is expected, number
        checked += 1
        valid_seen += expected
    assert checked == 600
    assert 250 < valid_seen < 450


def test_make_upn_agrees_with_stdnum():
    rng = random.Random(7)
    for _ in range(200):
        upn = make_upn(rng.choice(KNOWN_LAS), rng.randrange(10**4), rng.randrange(100),
                       rng.randrange(1000))  # fmt: skip
        assert stdnum_upn.is_valid(upn), upn
