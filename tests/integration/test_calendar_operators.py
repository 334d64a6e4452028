"""The calendar operators on both databases: council default, a school's own term dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from factories_api import api_user
from sqlalchemy import func, select

import service_tasks
from app.attendance import SchoolClosure, SchoolTerm, load_default_calendar
from app.audit import AuditEvent
from app.core.web import transaction
from service_tasks.registry import ServiceTaskError

D = date.fromisoformat


def call(app: Any, name: str, **params: Any) -> dict[str, Any]:
    with app.app_context(), transaction():
        return service_tasks.call(name, params)


def load_calendar(app: Any) -> dict[str, int]:
    with app.app_context(), transaction():
        return load_default_calendar()


def count(app: Any, model: Any) -> int:
    with app.extensions["db_sessions"]() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_default_calendar_loads_once(app):
    first = load_calendar(app)
    assert first["terms"] == 18
    assert first["closures"] == 25
    assert load_calendar(app) == {"terms": 0, "closures": 0}
    assert count(app, SchoolTerm) == 18
    assert count(app, SchoolClosure) == 25
    with app.extensions["db_sessions"]() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "calendar_loaded")
        ).all()
    assert len(events) == 1


def test_add_school_days_and_weeks_on_the_council_calendar(app):
    api_user(app, "adviser")
    load_calendar(app)
    # Thursday before the October half-term + 3 school days = Tuesday after it
    result = call(app, "calendar.add_school_days", urn="100001", start="2026-10-22", days=3)
    assert result == {
        "date": "2026-11-03",
        "due_at": "2026-11-03T09:00:00+00:00",
        "calendar": "council",
    }
    weeks = call(app, "calendar.add_school_weeks", urn="100001", start="2026-10-19", weeks=2)
    assert weeks["date"] == "2026-11-09"
    assert weeks["due_at"] == "2026-11-09T09:00:00+00:00"
    # over Christmas and the substitute bank holidays
    assert (
        call(app, "calendar.add_school_days", urn="100001", start="2026-12-18", days=1)["date"]
        == "2027-01-04"
    )
    # Easter Monday 2028 falls inside the Easter holiday; Early May bank holiday in term
    assert (
        call(app, "calendar.add_school_days", urn="100001", start="2028-04-28", days=1)["date"]
        == "2028-05-02"
    )


def test_a_school_with_its_own_term_dates_uses_them_and_bank_holidays(app):
    api_user(app, "adviser")
    load_calendar(app)
    with app.app_context(), transaction() as session:
        session.add(
            SchoolTerm(
                urn="100002", name="Autumn 2026", starts_on=D("2026-09-01"), ends_on=D("2026-12-22")
            )
        )
        session.add(SchoolClosure(urn="100002", date=D("2026-11-02"), kind="inset", name="INSET"))
        session.add(SchoolClosure(urn="100001", date=D("2026-11-03"), kind="inset", name="INSET"))
    # no October half-term in 100002's own dates; its INSET day is skipped
    own = call(app, "calendar.add_school_days", urn="100002", start="2026-10-30", days=1)
    assert own == {
        "date": "2026-11-03",
        "due_at": "2026-11-03T09:00:00+00:00",
        "calendar": "school",
    }
    # 100001 stays on the council calendar with its own INSET day
    council = call(app, "calendar.add_school_days", urn="100001", start="2026-10-30", days=2)
    assert council["date"] == "2026-11-04"
    assert council["calendar"] == "council"
    # an unknown or missing URN falls back to the council calendar
    fallback = call(app, "calendar.add_school_days", urn=None, start="2026-10-23", days=1)
    assert fallback["date"] == "2026-11-02"


def test_beyond_the_loaded_years_weekdays_minus_bank_holidays(app):
    load_calendar(app)
    # 2028/29 is not loaded: every weekday counts except the known bank holiday (28 Aug 2028
    # falls in the 2027/28 summer holiday, which is covered and closed)
    result = call(app, "calendar.add_school_days", urn="", start="2028-09-01", days=1)
    assert result["date"] == "2028-09-04"
    result = call(app, "calendar.add_school_weeks", urn="", start="2028-09-04", weeks=2)
    assert result["date"] == "2028-09-18"


def test_without_any_calendar_rows_every_weekday_is_a_school_day(app):
    result = call(app, "calendar.add_school_days", urn="100001", start="2026-10-23", days=1)
    assert result["date"] == "2026-10-26"


def test_calendar_operators_accept_dates_and_iso_datetimes(app):
    load_calendar(app)
    from_datetime = call(
        app, "calendar.add_school_weeks", urn="100001", start="2026-10-19T10:30:00+00:00", weeks="1"
    )
    assert from_datetime["date"] == "2026-11-02"
    from_date = call(app, "calendar.add_school_days", urn="100001", start=D("2026-10-19"), days=0)
    assert from_date["date"] == "2026-10-19"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "19/10/2026", "days": 1}, "bad_date"),
        ({"start": "2026-10-19", "days": -1}, "calendar"),
        ({"start": "2026-10-19", "days": "two"}, "bad_count"),
        ({"start": "2026-10-19", "days": 1.5}, "bad_count"),
    ],
)
def test_calendar_operator_errors(app, params, code):
    with pytest.raises(ServiceTaskError) as caught:
        call(app, "calendar.add_school_days", urn="100001", **params)
    assert caught.value.code == code
