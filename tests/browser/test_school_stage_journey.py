"""A school runs the school stage in a real browser, starting from its home page's suggestion.

Marks put a pupil at 90.0% this year, so the school's home page suggests them (the band and the
suggestion come from the deployed decision tables).  The school starts the stage from the
suggestion, works every step through the rendered forms (the test fires the stage's timers as
the worker would), and ends on the notification pre-filled from the stage, which it sends.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from conftest import USERS, screenshot, sign_in
from factories import valid_notification
from test_journeys import fill

from app.accounts import create_token
from app.cases import Case, Task, run_due_timers
from app.core.web import transaction
from app.forms import make_upn

UPN = make_upn(937, 2001, 22, 7)


#: the day the school's home page thinks it is (suggestions count the school year up to it)
TODAY = date(2026, 11, 25)


def _school_days(count: int) -> list[date]:
    days, day = [], TODAY - timedelta(days=1)
    while len(days) < count:
        assert day >= date(2026, 9, 1), "not enough school days for the journey's marks"
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def _post_marks(server: Any) -> None:
    """45 school days present, 5 days unauthorised absence: 90.0% this year."""
    codes = ["/"] * 90 + ["O"] * 10
    days = _school_days(50)
    marks = [
        {
            "urn": "100001",
            "upn": UPN,
            "date": days[i // 2].isoformat(),
            "session": ("AM", "PM")[i % 2],
            "code": code,
        }
        for i, code in enumerate(codes)
    ]
    with server.app.app_context(), transaction():
        token = create_token(USERS["adviser"][0])
    response = server.app.test_client().post(
        "/api/v1/attendance", json={"marks": marks}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and not response.json["errors"], response.json


def _fire_next_timer(server: Any, stage_id: int) -> None:
    with server.app.app_context(), transaction() as session:
        due = session.get(Case, stage_id).next_timer_at
    assert due is not None
    due = due if due.tzinfo else due.replace(tzinfo=UTC)
    with server.app.app_context():
        run_due_timers(due + timedelta(seconds=1), server.app.extensions["db_sessions"])


def _date(page: Any, name: str, iso: str) -> None:
    year, month, day = iso.split("-")
    page.fill(f'[name="{name}[day]"]', str(int(day)))
    page.fill(f'[name="{name}[month]"]', str(int(month)))
    page.fill(f'[name="{name}[year]"]', year)


def _open_task(page: Any, title: str) -> None:
    page.click(f"a:has-text('{title}')")
    assert title in page.inner_text("h1")


def _complete(page: Any) -> None:
    page.click("button:has-text('Complete task')")
    assert "is complete" in page.inner_text(".govuk-notification-banner")


def _stage_id(server: Any) -> int:
    with server.app.app_context(), transaction() as session:
        return int(session.query(Case).filter_by(kind="school_stage", pupil_upn=UPN).one().id)


def _task_data(server: Any, stage_id: int, element_id: str) -> dict[str, Any]:
    with server.app.app_context(), transaction() as session:
        task = session.query(Task).filter_by(case_id=stage_id, element_id=element_id).one()
        return dict(task.data)


def test_a_school_runs_the_school_stage_from_the_suggestion_on_its_home_page(
    live_server, page_without_js, monkeypatch
):
    page = page_without_js
    moment = datetime.combine(TODAY, time(12), tzinfo=UTC)
    monkeypatch.setattr("app.web.portal_routes.utcnow", lambda: moment)
    _post_marks(live_server)
    sign_in(page, live_server, "school")
    row = page.locator("#suggestions tr", has_text=UPN)
    assert "90.0%" in row.inner_text() and "Persistent absence" in row.inner_text()
    screenshot(page, "ss-1-home-suggestion")
    row.locator("a:has-text('Start the school stage')").click()
    assert page.input_value('[name="pupil_upn"]') == UPN
    page.fill('[name="pupil_forenames"]', "Journey")
    page.fill('[name="pupil_surname"]', "Pupil")
    page.fill('[name="pupil_date_of_birth"]', "2015-04-02")
    page.select_option('[name="pupil_year_group"]', "Year 6")
    page.fill('[name="pupil_address"]', "1 Test Lane, Riverside")
    page.fill('[name="pupil_postcode"]', "RV1 1AA")
    page.fill('[name="parent0_full_name"]', "Jo Parent")
    page.select_option('[name="parent0_relationship"]', "Mother")
    page.click("button:has-text('Start the school stage')")
    assert "Journey Pupil" in page.inner_text("h1")
    stage_id = _stage_id(live_server)
    stage_url = page.url

    _open_task(page, "Log the first-day contact")
    page.check('[name="contact_method"][value="phone"]')
    page.fill('[name="reason_given"]', "Unwell")
    _complete(page)
    assert "Letter D1 to Jo Parent" in page.inner_text("main")

    _fire_next_timer(live_server, stage_id)  # four school weeks after letter 1
    page.goto(stage_url)
    _open_task(page, "Review attendance since concern letter 1")
    page.check('[name="letter_1_outcome"][value="not_improved"]')
    _complete(page)
    _open_task(page, "Arrange the attendance meeting")
    _date(page, "meeting_date", (date.today() + timedelta(days=7)).isoformat())
    page.fill('[name="meeting_time"]', "15:30")
    page.fill('[name="meeting_place"]', "School office")
    _complete(page)
    _open_task(page, "Record the attendance meeting")
    page.fill('[name="attendees.0.name"]', "Jo Parent")
    page.fill('[name="attendees.0.role"]', "Mother")
    page.fill('[name="barriers"]', "Anxiety about mornings.")
    page.fill('[name="child_voice"]', "Would like a quiet start.")
    page.check('[name="early_help"][value="offered"]')
    _complete(page)
    _open_task(page, "Agree the attendance action plan")
    page.fill('[name="plan_actions.0.action"]', "Quiet room before registration")
    page.fill('[name="plan_actions.0.owner"]', "Pastoral lead")
    _date(page, "plan_actions.0.due_date", (date.today() + timedelta(days=14)).isoformat())
    page.fill('[name="target_pct"]', "95")
    screenshot(page, "ss-2-action-plan")
    _complete(page)

    _fire_next_timer(live_server, stage_id)  # the plan's review date
    page.goto(stage_url)
    _open_task(page, "Review the attendance action plan")
    page.check('[name="review_outcome"][value="refer"]')
    page.fill('[name="review_notes"]', "No improvement during the plan.")
    _date(page, "parent_informed_date", date.today().isoformat())
    page.check('[name="parent_informed_method"][value="Letter"]')
    _complete(page)
    page.goto(stage_url)
    screenshot(page, "ss-3-stage-referred")
    assert "Referral to the attendance service needed" in page.inner_text("main")
    assert "Letter D3 to Jo Parent" in page.inner_text("main")
    page.click("main a:has-text('Notify the attendance service')")
    assert page.input_value('[name="pupil.forenames"]') == "Journey"
    assert page.input_value('[name="parents.0.full_name"]') == "Jo Parent"
    assert page.input_value('[name="school_actions.0.date[year]"]')
    fixed = valid_notification()
    with live_server.app.app_context(), transaction():
        token = create_token(USERS["school"][0])
    prefill = (
        live_server.app.test_client()
        .get(
            f"/api/v1/school-stages/{stage_id}/notification",
            headers={"Authorization": f"Bearer {token}"},
        )
        .json
    )
    # the school completes what the stage could not know: the referrer's details and declarations
    body = {**prefill, "referrer": fixed["referrer"], "declarations": fixed["declarations"]}
    fill(page, body, frozenset({"school"}))
    screenshot(page, "ss-4-prefilled-notification")
    page.click("button:has-text('Send notification')")
    problems = page.locator(".govuk-error-summary")
    assert problems.count() == 0, problems.inner_text()
    assert page.inner_text(".govuk-panel__title") == "Notification sent"
    assert _task_data(live_server, stage_id, "plan_review")["plan_round"] == 1
