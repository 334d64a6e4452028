"""School-calendar arithmetic: school days, school weeks and the rolling 10-school-week window."""

from __future__ import annotations

from datetime import date

import pytest

from service_tasks import calendar as cal

D = date.fromisoformat

#: autumn 2026 (half-term 26-30 Oct), spring 1 2027; bank holidays; an INSET afternoon
AUTUMN = cal.make_calendar(
    [
        (D("2026-09-03"), D("2026-10-23")),
        (D("2026-11-02"), D("2026-12-18")),
        (D("2027-01-04"), D("2027-02-12")),
    ],
    [
        (D("2026-08-31"), None),
        (D("2026-12-25"), None),
        (D("2026-12-28"), None),
        (D("2027-01-01"), None),
        (D("2026-11-20"), "PM"),
    ],
)


def test_weekends_and_holidays_are_not_school_days():
    assert cal.is_school_day(AUTUMN, D("2026-10-23"))  # Friday, last day before half-term
    assert not cal.is_school_day(AUTUMN, D("2026-10-24"))  # Saturday
    assert not cal.is_school_day(AUTUMN, D("2026-10-28"))  # half-term Wednesday
    assert not cal.is_school_day(AUTUMN, D("2026-09-02"))  # before term starts
    assert cal.is_school_day(AUTUMN, D("2026-09-03"))


def test_a_half_day_closure_leaves_one_session():
    assert cal.open_sessions(AUTUMN, D("2026-11-20")) == ("AM",)
    assert cal.is_school_day(AUTUMN, D("2026-11-20"))
    assert cal.open_sessions(AUTUMN, D("2026-11-19")) == ("AM", "PM")


def test_the_covered_academic_years_are_closed_outside_terms():
    assert AUTUMN.covered == (D("2026-09-01"), D("2027-08-31"))
    assert not cal.is_school_day(AUTUMN, D("2027-07-26"))  # summer, no term loaded: closed


def test_beyond_the_loaded_years_every_weekday_but_known_closures_is_open():
    assert cal.is_school_day(AUTUMN, D("2027-09-01"))  # Wednesday, 2027/28 not loaded
    assert cal.is_school_day(AUTUMN, D("2026-08-28"))  # Friday, 2025/26 not loaded
    assert not cal.is_school_day(AUTUMN, D("2026-08-31"))  # bank holiday still closed
    assert not cal.is_school_day(AUTUMN, D("2027-09-04"))  # Saturday
    empty = cal.make_calendar([])
    assert empty.covered is None
    assert cal.is_school_day(empty, D("2030-01-07"))


def test_bad_calendars_are_refused():
    with pytest.raises(cal.CalendarError):
        cal.make_calendar([(D("2026-09-10"), D("2026-09-01"))])
    with pytest.raises(cal.CalendarError):
        cal.make_calendar([], [(D("2026-09-10"), "EVE")])


def test_add_school_days():
    assert cal.add_school_days(AUTUMN, D("2026-10-21"), 0) == D("2026-10-21")
    assert cal.add_school_days(AUTUMN, D("2026-10-21"), 2) == D("2026-10-23")
    # over the weekend and the half-term week
    assert cal.add_school_days(AUTUMN, D("2026-10-22"), 3) == D("2026-11-03")
    # a half-day (one session) is a school day
    assert cal.add_school_days(AUTUMN, D("2026-11-19"), 1) == D("2026-11-20")


def test_add_school_days_skips_bank_holidays_and_the_christmas_holiday():
    assert cal.add_school_days(AUTUMN, D("2026-12-18"), 1) == D("2027-01-04")
    weekdays_only = cal.make_calendar([], [(D("2027-08-30"), None)])
    assert cal.add_school_days(weekdays_only, D("2027-08-27"), 1) == D("2027-08-31")


@pytest.mark.parametrize("days", [-1, 1.5, "3", True, cal.MAX_DAYS + 1])
def test_add_school_days_refuses_bad_counts(days):
    with pytest.raises(cal.CalendarError):
        cal.add_school_days(AUTUMN, D("2026-10-21"), days)


def test_add_school_weeks_skips_the_half_term_week():
    assert cal.add_school_weeks(AUTUMN, D("2026-10-19"), 0) == D("2026-10-19")
    assert cal.add_school_weeks(AUTUMN, D("2026-10-19"), 1) == D("2026-11-02")
    assert cal.add_school_weeks(AUTUMN, D("2026-10-14"), 2) == D("2026-11-04")
    # ten school weeks from the start of term: the half-term week does not count
    assert cal.add_school_weeks(AUTUMN, D("2026-09-07"), 10) == D("2026-11-23")


def test_add_school_weeks_over_christmas():
    assert cal.add_school_weeks(AUTUMN, D("2026-12-14"), 1) == D("2027-01-04")


def test_add_school_weeks_lands_on_a_school_day_in_the_nth_week():
    # Christmas Day (Friday) is closed: the nearest earlier school day of that week...
    term_to_christmas = cal.make_calendar(
        [(D("2026-11-02"), D("2026-12-25"))], [(D("2026-12-25"), None)]
    )
    assert cal.add_school_weeks(term_to_christmas, D("2026-12-18"), 1) == D("2026-12-24")
    # ...or, when the week opens later than the weekday, the first school day after it
    late_start = cal.make_calendar([(D("2026-09-03"), D("2026-10-23"))], [(D("2026-08-31"), None)])
    assert cal.add_school_weeks(late_start, D("2026-08-24"), 1) == D("2026-09-03")
    assert cal.add_school_weeks(late_start, D("2026-08-31"), 0) == D("2026-08-31")


def test_a_week_with_a_single_session_is_a_school_week():
    one_session = cal.make_calendar(
        [(D("2026-09-07"), D("2026-09-25"))],
        [(D("2026-09-14"), "AM"), *((D(f"2026-09-{d}"), None) for d in (15, 16, 17, 18))],
    )
    assert cal.is_school_week(one_session, D("2026-09-14"))
    assert cal.add_school_weeks(one_session, D("2026-09-07"), 1) == D("2026-09-14")
    assert cal.last_school_weeks(one_session, D("2026-09-25"), 3) == [
        D("2026-09-07"),
        D("2026-09-14"),
        D("2026-09-21"),
    ]


def test_rolling_window_stretches_back_over_the_half_term():
    # As of Friday 20 Nov 2026: the 10 school weeks are 16, 9 and 2 Nov, then 19 Oct back to
    # 7 Sep; the half-term week (26 Oct) is skipped, so the window spans 11 calendar weeks.
    weeks = cal.last_school_weeks(AUTUMN, D("2026-11-20"), 10)
    assert len(weeks) == 10
    assert weeks[-1] == D("2026-11-16")
    assert D("2026-10-26") not in weeks
    assert weeks[0] == D("2026-09-07")
    assert cal.threshold_window(AUTUMN, D("2026-11-20")) == (D("2026-09-07"), D("2026-11-20"))
    # one day later in calendar terms is still the same window (Saturday)...
    assert cal.threshold_window(AUTUMN, D("2026-11-21"))[0] == D("2026-09-07")
    # ...and the next Monday moves the window start past the first week of term
    assert cal.threshold_window(AUTUMN, D("2026-11-23"))[0] == D("2026-09-14")


def test_rolling_window_in_a_holiday_week_ends_with_the_last_school_week():
    weeks = cal.last_school_weeks(AUTUMN, D("2026-10-28"), 2)
    assert weeks == [D("2026-10-12"), D("2026-10-19")]


def test_the_current_week_counts_only_once_a_session_has_been_held():
    # Monday 2 Nov is the first day back: it counts as of that Monday
    assert cal.last_school_weeks(AUTUMN, D("2026-11-02"), 1) == [D("2026-11-02")]
    # a Monday bank holiday: nothing held yet this week on or before as_of
    holiday_monday = cal.make_calendar([], [(D("2027-05-03"), None)])
    assert cal.last_school_weeks(holiday_monday, D("2027-05-03"), 1) == [D("2027-04-26")]
    assert cal.last_school_weeks(holiday_monday, D("2027-05-04"), 1) == [D("2027-05-03")]


def test_rolling_window_crosses_the_start_of_the_academic_year():
    # Early autumn: the weeks before 3 Sep 2026 fall back to weekdays (2025/26 not loaded
    # in this calendar), except the bank holiday Monday
    weeks = cal.last_school_weeks(AUTUMN, D("2026-09-11"), 3)
    assert weeks == [D("2026-08-24"), D("2026-08-31"), D("2026-09-07")]


def test_zero_weeks_is_an_empty_window():
    assert cal.last_school_weeks(AUTUMN, D("2026-11-06"), 0) == []
    assert cal.threshold_window(AUTUMN, D("2026-11-06"), 0) == (D("2026-11-06"), D("2026-11-06"))
