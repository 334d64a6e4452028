"""The attendance and penalty-notice operators on both databases, reading stored marks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from factories_api import api_user, db_row, open_case
from sqlalchemy import select

import service_tasks
from app.accounts import get_user
from app.attendance import PenaltyNotice, import_marks, load_default_calendar
from app.audit import AuditEvent
from app.core.web import transaction
from app.forms import make_upn
from service_tasks.registry import ServiceTaskError

UPN = make_upn(937, 2001, 15, 7)
OTHER_UPN = make_upn(937, 2001, 15, 8)


def call(app: Any, name: str, **params: Any) -> dict[str, Any]:
    with app.app_context(), transaction():
        return service_tasks.call(name, params)


def store_marks(app: Any, rows: list[tuple[str, str, str]], upn: str = UPN) -> dict[str, Any]:
    """Store (date, session, code) marks for ``upn`` at school 100001 as an adviser."""
    adviser = api_user(app, "adviser", email="marks-adviser@example.test")
    marks = [
        {"urn": "100001", "upn": upn, "date": day, "session": session, "code": code}
        for day, session, code in rows
    ]
    with app.app_context(), transaction():
        result = import_marks(get_user(adviser["id"]), marks=marks)
    assert result["errors"] == []
    return result


def week_of_marks(monday: str, codes: str) -> list[tuple[str, str, str]]:
    """Ten marks Mon-Fri (AM, PM) from ``codes`` (space separated)."""
    start = date.fromisoformat(monday)
    return [
        ((start + timedelta(days=i // 2)).isoformat(), ("AM", "PM")[i % 2], code)
        for i, code in enumerate(codes.split())
    ]


def test_figures_from_stored_marks(app):
    store_marks(
        app,
        week_of_marks("2026-11-02", "/ \\ / \\ L \\ / N G U")
        + week_of_marks("2026-11-09", "/ \\ D D / \\ M I / \\"),
    )
    result = call(
        app,
        "attendance.figures",
        upn=UPN.lower(),
        urn="100001",
        date_from="2026-11-02",
        date_to="2026-11-13",
    )
    assert result["has_marks"] is True
    assert result["possible"] == 18
    assert result["present"] == 13
    assert result["attendance_pct"] == 72.3
    assert result["authorised"] == 2
    assert result["unauthorised"] == 3
    assert result["unauthorised_by_code"] == {"G": 1, "N": 1, "O": 0, "U": 1}
    assert result["late_before_close"] == 1
    assert result["late_after_close"] == 1
    assert (result["date_from"], result["date_to"]) == ("2026-11-02", "2026-11-13")
    # the period bounds are inclusive and other pupils' marks never count
    store_marks(app, week_of_marks("2026-11-13", "N N"), upn=OTHER_UPN)
    one_day = call(
        app,
        "attendance.figures",
        upn=UPN,
        urn="100001",
        date_from="2026-11-13",
        date_to="2026-11-13",
    )
    assert (one_day["possible"], one_day["present"]) == (2, 2)


def test_figures_without_marks(app):
    result = call(
        app,
        "attendance.figures",
        upn=UPN,
        urn="100001",
        date_from="2026-09-01",
        date_to="2026-12-18",
    )
    assert result["has_marks"] is False
    assert result["possible"] == result["present"] == result["unauthorised"] == 0
    assert result["attendance_pct"] is None


def test_figures_reject_bad_input(app):
    with pytest.raises(ServiceTaskError) as caught:
        call(app, "attendance.figures", upn="A123", urn="1", date_from="2026-09-01", date_to="x")
    assert caught.value.code == "bad_date"
    with pytest.raises(ServiceTaskError) as caught:
        call(app, "attendance.figures", upn="A123", urn="1", date_from="2026-09-01", date_to=None)
    assert caught.value.code == "bad_date"
    period = {"date_from": "2026-09-02", "date_to": "2026-09-01"}
    with pytest.raises(ServiceTaskError) as caught:
        call(app, "attendance.figures", upn="A123", urn="1", **{**period, "date_to": "2026-09-03"})
    assert caught.value.code == "bad_upn"
    with pytest.raises(ServiceTaskError) as caught:
        call(app, "attendance.figures", upn=UPN, urn="1", **period)
    assert caught.value.code == "bad_period"


def test_national_threshold_window_crosses_the_half_term(app):
    api_user(app, "adviser")
    with app.app_context(), transaction():
        load_default_calendar()
    # 10 school weeks ending Friday 20 Nov 2026 run from Monday 7 Sep (half-term skipped)
    store_marks(
        app,
        [
            ("2026-09-04", "AM", "N"),  # the week before the window: not counted
            ("2026-09-07", "AM", "G"),  # first day of the window
            ("2026-09-07", "PM", "G"),
            ("2026-10-23", "PM", "O"),
            ("2026-11-20", "PM", "U"),  # as_of itself
            ("2026-11-20", "AM", "I"),  # authorised: never counted
            ("2026-11-23", "AM", "N"),  # after as_of
        ],
    )
    result = call(app, "attendance.national_threshold", upn=UPN, urn="100001", as_of="2026-11-20")
    assert result == {
        "has_marks": True,
        "unauthorised_sessions": 4,
        "unauthorised_by_code": {"G": 2, "N": 0, "O": 1, "U": 1},
        "window_start": "2026-09-07",
        "window_end": "2026-11-20",
        "school_weeks": 10,
        "calendar": "council",
    }
    # a week later the window has moved on past 7 Sep and picks up 23 Nov
    later = call(app, "attendance.national_threshold", upn=UPN, urn="100001", as_of="2026-11-27")
    assert later["window_start"] == "2026-09-14"
    assert later["unauthorised_sessions"] == 3


def test_national_threshold_without_marks(app):
    result = call(app, "attendance.national_threshold", upn=UPN, urn="100001", as_of="2026-11-20")
    assert result["has_marks"] is False
    assert result["unauthorised_sessions"] == 0
    assert result["school_weeks"] == 10


def make_case(app: Any, client: Any) -> dict[str, Any]:
    from factories import deploy_default

    deploy_default(app)
    adviser = api_user(app, "adviser")
    return open_case(client, adviser)


def issue(app: Any, reference: str, issued_on: str, *, parent: str = "Jamie Marsh", amount=160):
    return call(
        app,
        "penalty.issue",
        case_reference=reference,
        upn=UPN,
        parent_name=parent,
        issued_on=issued_on,
        amount=amount,
    )


def prior_notices(app: Any, upn: str, parent: str, as_of: str) -> int:
    result = call(app, "penalty.history", upn=upn, parent_name=parent, as_of=as_of)
    return int(result["prior_notices"])


def test_penalty_notices_issue_update_and_history(app, client):
    case = make_case(app, client)
    first = issue(app, case["reference"], "2024-03-01", amount=80)
    assert first["notice_reference"] == f"PN-2024-{first['notice_id']:06d}"
    assert issue(app, case["reference"], "2024-03-01", amount=80) == first  # idempotent
    second = issue(app, case["reference"], "2026-10-01", parent="  jamie   MARSH ")
    withdrawn = issue(app, case["reference"], "2026-10-15")
    assert call(app, "penalty.update", notice_id=withdrawn["notice_id"], status="withdrawn") == {
        "notice_id": withdrawn["notice_id"],
        "status": "withdrawn",
    }
    call(app, "penalty.update", notice_id=second["notice_id"], status="paid")
    issue(app, case["reference"], "2026-10-01", parent="Sam Marsh")  # the other parent

    history = call(app, "penalty.history", upn=UPN, parent_name="Jamie Marsh", as_of="2027-02-28")
    assert history["prior_notices"] == 2
    assert [n["reference"] for n in history["notices"]] == [
        first["notice_reference"],
        second["notice_reference"],
    ]
    assert history["notices"][0]["amount"] == 80
    assert history["notices"][1]["status"] == "paid"
    assert history["notices"][1]["case_reference"] == case["reference"]
    # exactly three years after the first notice it has dropped out of the rolling period
    dropped = call(app, "penalty.history", upn=UPN, parent_name="jamie marsh", as_of="2027-03-01")
    assert dropped["prior_notices"] == 1
    assert dropped["window_start"] == "2024-03-02"
    # notices issued after as_of do not count; other children never count
    assert prior_notices(app, UPN, "Jamie Marsh", "2026-09-30") == 1
    assert prior_notices(app, OTHER_UPN, "Jamie Marsh", "2027-02-28") == 0
    assert prior_notices(app, UPN, "Sam Marsh", "2027-02-28") == 1

    notice = db_row(app, PenaltyNotice, second["notice_id"])
    assert (notice.amount_pence, notice.parent_name, notice.status) == (
        16000,
        "jamie MARSH",
        "paid",
    )
    with app.extensions["db_sessions"]() as session:
        kinds = session.scalars(
            select(AuditEvent.event_type).where(AuditEvent.case_id == case["case_id"])
        ).all()
    assert kinds.count("penalty_notice_issued") == 4
    assert kinds.count("penalty_notice_updated") == 2


@pytest.mark.parametrize(
    ("start", "then", "code"),
    [
        ("withdrawn", "paid", "conflict"),
        ("paid", "unpaid", "conflict"),
        ("unpaid", "paid", "conflict"),
        (None, "cancelled", "invalid"),
    ],
)
def test_penalty_update_refuses_impossible_changes(app, client, start, then, code):
    case = make_case(app, client)
    notice = issue(app, case["reference"], "2026-10-01")
    if start:
        call(app, "penalty.update", notice_id=notice["notice_id"], status=start)
    with pytest.raises(ServiceTaskError) as caught:
        call(app, "penalty.update", notice_id=notice["notice_id"], status=then)
    assert caught.value.code == code


def test_penalty_operator_errors(app, client):
    case = make_case(app, client)
    with pytest.raises(ServiceTaskError) as caught:
        issue(app, "ATT-1999-000001", "2026-10-01")
    assert caught.value.code == "not_found"
    with pytest.raises(ServiceTaskError) as caught:
        issue(app, case["reference"], "2026-10-01", amount="lots")
    assert caught.value.code == "invalid"
    with pytest.raises(ServiceTaskError) as caught:
        call(app, "penalty.update", notice_id=9999, status="paid")
    assert caught.value.code == "not_found"
    with pytest.raises(ServiceTaskError) as caught:
        call(app, "penalty.history", upn=UPN, parent_name=" ", as_of="2026-10-01")
    assert caught.value.code == "bad_parent"
