"""Two journeys in a real browser, on the real pathway (bpmn/ and forms/):

1. a school, with JavaScript switched off, notifies the service about a pupil with two parents
   (using "Add another parent or carer") and finds the notification on its home page;
2. an adviser claims the triage task from the inbox, completes it through the rendered form and
   sees the case move to monitoring.

The main pages are checked with axe-core (WCAG 2.1 A and AA) and kept as screenshots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import ROOT, USERS, axe_violations, screenshot, sign_in
from factories import valid_notification
from formpost import field_kinds, form_fields

from app.accounts import create_token
from app.core.web import transaction
from app.forms import load_form
from app.forms.renderer import render_form

#: the school-stage evidence the pathway's triage table looks for (as in tests/scenarios)
COMPLETE_ACTIONS = [
    {"date": "2025-09-15", "action": "First-day call"},
    {"date": "2025-10-06", "action": "Concern letter 1"},
    {"date": "2025-10-13", "action": "Concern letter 2"},
    {"date": "2025-10-20", "action": "Attendance meeting", "details": "Parent attended."},
    {"date": "2025-11-03", "action": "Attendance action plan agreed"},
]


def fill(page: Any, data: dict[str, Any], readonly: frozenset[str]) -> None:
    """Type ``data`` into the intake form as a person would (field by field)."""
    form = load_form(Path(ROOT / "forms"), "notification")
    fragment = render_form(form, data, readonly=readonly).fields
    kinds = field_kinds(fragment, None)
    values = form_fields(fragment, None)
    for name in values:
        kind = kinds.get(name)
        selector = f'[name="{name}"]'
        if kind == "hidden":
            continue
        if kind in ("radio", "checkbox"):
            for value in values.getlist(name):
                page.check(f'{selector}[value="{value}"]')
        elif kind == "select":
            page.select_option(selector, values[name])
        elif values[name]:
            page.fill(selector, values[name])


def test_a_school_notifies_about_a_pupil_with_two_parents(live_server, page_without_js):
    page = page_without_js
    sign_in(page, live_server, "school")
    assert page.inner_text("h1").endswith("Your notifications")
    page.click("a:has-text('Notify the attendance service')")
    assert "Riverside Primary School" in page.inner_text("#school")  # fixed, not editable
    data = valid_notification(
        pupil={"forenames": "Browser", "surname": "Testpupil"},
        school_actions=COMPLETE_ACTIONS[:1],
    )
    fill(page, data, frozenset({"school"}))
    page.click("button:has-text('Add another parent or carer')")
    assert page.input_value('[name="pupil.surname"]') == "Testpupil"  # everything typed kept
    assert page.input_value('[name="parents.0.full_name"]') == "Sam Testparent"
    page.fill('[name="parents.1.full_name"]', "Robin Testparent")
    page.check('[name="parents.1.relationship"][value="Father"]')
    page.check('[name="parents.1.parental_responsibility"][value="true"]')
    screenshot(page, "1-notification-form")
    page.click("button:has-text('Send notification')")
    assert page.inner_text(".govuk-panel__title") == "Notification sent"
    reference = page.inner_text("#case-reference")
    screenshot(page, "2-notification-sent")
    page.click("a:has-text('Go back to your notifications')")
    row = page.locator("tr", has_text=reference)
    assert "Browser Testpupil" in row.inner_text()
    assert row.locator(".govuk-tag").inner_text() in ("Received", "Being triaged")
    screenshot(page, "3-school-home")
    page.click(f"a:has-text('{reference}')")
    parents = page.inner_text("main")
    assert "Sam Testparent" in parents and "Robin Testparent" in parents


def open_case_by_api(server: Any) -> str:
    """A notification with complete evidence, sent by the school through the API."""
    with server.app.app_context(), transaction():
        token = create_token(USERS["school"][0])
    body = valid_notification(
        pupil={"forenames": "Triage", "surname": "Journeypupil"}, school_actions=COMPLETE_ACTIONS
    )
    response = server.app.test_client().post(
        "/api/v1/notifications", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.json
    return str(response.json["reference"])


def test_an_adviser_claims_triage_completes_it_and_the_case_moves_to_monitoring(live_server, page):
    reference = open_case_by_api(live_server)
    sign_in(page, live_server, "adviser")
    page.click("#tab-unassigned")
    row = page.locator("tr", has_text=reference)
    assert "Triage Journeypupil" in row.inner_text()
    screenshot(page, "4-inbox")
    assert axe_violations(page) == []
    row.locator("button:has-text('Claim')").click()
    assert "You have claimed" in page.inner_text(".govuk-notification-banner")
    page.click("#tab-mine")
    mine = page.locator("tr", has_text=reference)
    mine.locator("td a").nth(1).click()  # the task's link
    assert "Triage" in page.inner_text("h1")
    page.check('[name="outcome"][value="accept_monitoring"]')
    page.fill('[name="reasons"]', "Persistent absence; the school's evidence is complete.")
    screenshot(page, "5-triage-task")
    assert axe_violations(page) == []
    page.click("button:has-text('Complete task')")
    banner = page.inner_text(".govuk-notification-banner")
    assert "The case is now at the Monitoring stage" in banner
    assert "Monitoring" in page.inner_text("main .govuk-tag")
    screenshot(page, "6-case-in-monitoring")
    assert axe_violations(page) == []


def test_forms_with_errors_pass_axe_and_use_the_arial_font_stack(live_server, page):
    sign_in(page, live_server, "school")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/notify")
    fonts: list[str] = []
    page.on(
        "request", lambda request: fonts.append(request.url) if "/fonts/" in request.url else None
    )
    page.click("button:has-text('Send notification')")
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "There is a problem" in summary.inner_text()
    page.locator(".govuk-error-summary a").first.click()  # the link moves focus to the field
    focused = page.evaluate("document.activeElement && document.activeElement.name")
    assert focused
    family = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert family.startswith("Arial") and not fonts
    screenshot(page, "7-notification-errors")
    assert axe_violations(page) == []
