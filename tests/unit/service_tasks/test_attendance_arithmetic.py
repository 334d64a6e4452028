"""The attendance arithmetic of domain section 1.4: codes, possible sessions, percentages, lates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import service_tasks
from service_tasks import attendance as a
from service_tasks.registry import ServiceTaskError

DAY = date(2026, 11, 2)


def marks(*codes: str, start: date = DAY) -> list[a.Mark]:
    """One mark per code, AM then PM, day after day."""
    return [
        (start + timedelta(days=i // 2), ("AM", "PM")[i % 2], code) for i, code in enumerate(codes)
    ]


@pytest.mark.parametrize("code", sorted(a.NATIONAL_CODES))
def test_every_national_code_is_valid_before_and_after_2024(code):
    assert a.code_problem(code, date(2024, 8, 19)) is None
    assert a.code_problem(code, date(2020, 1, 6)) is None


def test_the_national_code_list_is_the_2024_list():
    present = {"/", "\\", "L", "K", "V", "P", "W", "B"}
    authorised = {"C1", "M", "J1", "S", "X", "C2", "C", "T", "R", "I", "E"}
    expected = present | authorised | {"D", "G", "N", "O", "U", "Q", "Z", "#"}
    expected |= {f"Y{n}" for n in range(1, 8)}
    assert expected == a.NATIONAL_CODES


@pytest.mark.parametrize("code", ["H", "F", "J", "Y"])
def test_legacy_codes_are_accepted_only_before_19_august_2024(code):
    assert a.code_problem(code, date(2024, 8, 18)) is None
    problem = a.code_problem(code, date(2024, 8, 19))
    assert problem and "19 August 2024" in problem


@pytest.mark.parametrize("code", ["A", "Y8", "", "l", "//", "C3"])
def test_unknown_codes_are_rejected(code):
    assert "not a national attendance code" in (a.code_problem(code, DAY) or "")


def test_categories_of_the_codes():
    assert {a.category(c) for c in ["/", "\\", "L", "K", "V", "P", "W", "B"]} == {"present"}
    assert {a.category(c) for c in ["G", "N", "O", "U"]} == {"unauthorised"}
    assert {a.category(c) for c in ["C1", "M", "J1", "S", "C2", "C", "T", "R", "I", "E"]} == {
        "authorised"
    }
    assert {a.category(c) for c in a.NOT_POSSIBLE_CODES} == {"not_possible"}
    assert [a.category(c) for c in ["H", "F", "J", "Y"]] == ["authorised"] * 3 + ["not_possible"]
    with pytest.raises(ValueError, match="unknown"):
        a.category("A")


def test_exactly_ninety_percent():
    figures = a.calculate_figures(marks(*["/"] * 9, *["\\"] * 9, "N", "O"))
    assert figures["possible"] == 20
    assert figures["present"] == 18
    assert figures["attendance_pct"] == 90.0
    assert figures["absence_pct"] == 10.0


def test_percentages_round_up_so_threshold_rules_stay_exact():
    # 90.04% is above 90 and must not read as 90.0 (which a "<= 90" rule would flag)
    assert a.attendance_percentage(2251, 2500) == 90.1
    # 89.96% is at or below 90 and reads 90.0
    assert a.attendance_percentage(2249, 2500) == 90.0
    assert a.attendance_percentage(1, 2) == 50.0
    assert a.attendance_percentage(1, 3) == 33.4
    assert a.attendance_percentage(0, 0) is None
    assert a.attendance_percentage(7, 7) == 100.0


def test_codes_not_counted_in_possible_sessions():
    excluded = ["D", "X", "Q", "Z", "#", *(f"Y{n}" for n in range(1, 8))]
    figures = a.calculate_figures(marks("/", "N", *excluded))
    assert figures["sessions_recorded"] == 2 + len(excluded)
    assert figures["possible"] == 2
    assert figures["present"] == 1
    assert figures["attendance_pct"] == 50.0
    assert figures["authorised"] == 0


def test_present_authorised_unauthorised_and_lates():
    figures = a.calculate_figures(
        marks("/", "\\", "L", "K", "V", "P", "W", "B", "M", "I", "C2", "G", "N", "O", "U", "U")
    )
    assert figures["possible"] == 16
    assert figures["present"] == 8
    assert figures["authorised"] == 3
    assert figures["unauthorised"] == 5
    assert figures["unauthorised_by_code"] == {"G": 1, "N": 1, "O": 1, "U": 2}
    assert figures["late_before_close"] == 1
    assert figures["late_after_close"] == 2
    assert figures["attendance_pct"] == 50.0
    assert figures["by_code"]["U"] == 2


def test_legacy_marks_in_history_count_with_their_old_meaning():
    figures = a.calculate_figures(marks("/", "H", "F", "J", "Y", start=date(2023, 5, 2)))
    assert figures["possible"] == 4
    assert figures["authorised"] == 3


def test_no_marks_gives_zeros_and_no_percentage():
    figures = a.calculate_figures([])
    assert figures["possible"] == figures["present"] == figures["unauthorised"] == 0
    assert figures["attendance_pct"] is None
    assert figures["absence_pct"] is None
    assert figures["unauthorised_by_code"] == {"G": 0, "N": 0, "O": 0, "U": 0}


def test_count_unauthorised_includes_both_ends_of_the_window():
    rows = [
        (date(2026, 11, 1), "AM", "N"),
        (date(2026, 11, 2), "AM", "G"),
        (date(2026, 11, 3), "PM", "/"),
        (date(2026, 11, 6), "PM", "U"),
        (date(2026, 11, 7), "AM", "O"),
    ]
    assert a.count_unauthorised(rows, date(2026, 11, 2), date(2026, 11, 6)) == 2


def test_calculate_operator_still_works():
    result = service_tasks.call(
        "attendance.calculate", {"possible_sessions": 200, "attended_sessions": 180}
    )
    assert result["attendance_pct"] == 90.0
    with pytest.raises(ServiceTaskError):
        service_tasks.call("attendance.calculate", {"possible_sessions": 0, "attended_sessions": 0})
