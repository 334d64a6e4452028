"""Synthetic form payloads for tests (all names and numbers are invented).

Import with ``from factories_forms import valid_notification`` (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

import copy
from typing import Any

from app.forms import make_upn

#: School used by the default notification.
SCHOOL_URN = "100001"
SCHOOL_NAME = "Riverside Primary School"
#: A valid permanent UPN (LA 937, establishment 2001, issued in 2019, serial 42).
PUPIL_UPN = make_upn(937, 2001, 19, 42)

_NOTIFICATION: dict[str, Any] = {
    "school": {"urn": SCHOOL_URN, "name": SCHOOL_NAME, "laestab": "9372001"},
    "referrer": {
        "name": "Priya Example",
        "role": "Attendance officer",
        "email": "attendance@riverside.example.org",
        "phone": "01234 567890",
        "attendance_champion": "Tom Sample",
        "headteacher_authorisation": {"name": "Helen Placeholder", "date": "2025-11-28"},
    },
    "pupil": {
        "forenames": "Jamie Alex",
        "surname": "Testpupil",
        "preferred_name": "Jay",
        "date_of_birth": "2016-05-14",
        "sex": "Male",
        "upn": PUPIL_UPN,
        "year_group": "Year 4",
        "tutor_group": "4B",
        "address": "1 Example Street\nSampletown",
        "postcode": "CV34 4AA",
        "first_language": "English",
        "interpreter_needed": False,
        "admission_date": "2020-09-02",
        "dual_registered": False,
    },
    "flags": {
        "sen_support": False,
        "ehcp": False,
        "looked_after": False,
        "child_in_need_or_cp": False,
        "social_worker": False,
        "early_help": True,
        "young_carer": False,
        "youth_justice": False,
        "medical_condition": False,
        "part_time_timetable": False,
        "free_school_meals": True,
    },
    "parents": [
        {
            "title": "Ms",
            "full_name": "Sam Testparent",
            "relationship": "Mother",
            "parental_responsibility": True,
            "day_to_day_care": True,
            "lives_with_pupil": True,
            "phone": "07700 900123",
            "email": "sam.testparent@example.com",
            "preferred_language": "English",
            "details_checked_on": "2025-10-01",
        }
    ],
    "attendance": {
        "period_from": "2025-09-03",
        "period_to": "2025-11-28",
        "possible_sessions": 120,
        "attended_sessions": 96,
        "authorised_absences": 6,
        "unauthorised_absences": 18,
        "late_before_close": 4,
        "late_after_close": 2,
        "unauthorised_last_10_weeks": 14,
        "attendance_pct_last_year": 91.5,
    },
    "absence_reasons": "Parent reports the pupil is often tired and reluctant to come in.",
    "pupil_views": "Says he finds mornings hard and misses his friends when he is off.",
    "barriers": "No barriers identified beyond morning routines.",
    "school_actions": [
        {"date": "2025-09-15", "action": "First-day call", "details": "No answer; message left."},
        {"date": "2025-10-06", "action": "Concern letter 1"},
        {"date": "2025-10-20", "action": "Attendance meeting", "details": "Parent attended."},
        {"date": "2025-11-03", "action": "Attendance action plan agreed"},
    ],
    "parent_informed": {"date": "2025-11-27", "method": "Letter"},
    "request_type": "monitoring",
    "declarations": {"unauthorised_considered": True, "no_known_barrier_to_action": True},
}


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def valid_notification(**overrides: Any) -> dict[str, Any]:
    """Return a fresh, complete and valid F1 notification payload for Riverside Primary School.

    Each keyword overrides a top-level field.  A dict value is merged into the default object
    (recursively), so ``valid_notification(pupil={"upn": "X"})`` changes only the UPN; any other
    value (including lists) replaces the default.  To remove a field, delete it from the result.
    """
    return _merge(copy.deepcopy(_NOTIFICATION), overrides)
