"""The manager's dashboard and process map in a real browser (Debian's Chromium), on the real
pathway with a few hundred synthetic cases: the figures link to their cases, the diagram is
drawn by bpmn-js with the waiting counts on it (and the bpmn.io watermark visible), and a case's
own path is marked.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import PASSWORD, axe_violations, screenshot
from sqlalchemy import select

from app.accounts import create_user
from app.cases import Case, Task
from app.core.web import reading, transaction
from app.demo.synthetic import generate_cases

MANAGER = "manager-dash@council.example"


@pytest.fixture(scope="module")
def dashboard_server(live_server: Any) -> Any:
    with live_server.app.app_context(), transaction():
        create_user(MANAGER, role="manager", password=PASSWORD, name="Morgan Manager")
        generate_cases(300, per_week=6)
    return live_server


def _sign_in(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/sign-in")
    page.fill("#email", MANAGER)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")


def _ready(page: Any) -> None:
    page.wait_for_selector("#process-map[data-ready]", timeout=30000)
    assert page.get_attribute("#process-map", "data-ready") == "true"


def test_dashboard_figures_link_to_their_cases(page, dashboard_server):
    _sign_in(page, dashboard_server)
    page.goto(f"{dashboard_server.url}/dashboard")
    assert page.inner_text("h1") == "Attendance service dashboard"
    assert page.locator("svg.app-chart").count() == 3
    open_cases = int(page.inner_text("#figure-open a"))
    assert open_cases > 0
    screenshot(page, "dashboard")
    assert axe_violations(page) == []
    page.click("#figure-open a")
    assert f"{open_cases} case" in page.inner_text("h1")
    assert page.locator("#case-list tbody tr").count() == min(open_cases, 50)


def test_process_map_shows_counts_on_the_diagram(page, dashboard_server):
    _sign_in(page, dashboard_server)
    page.goto(f"{dashboard_server.url}/dashboard/map")
    _ready(page)
    badges = page.locator(".djs-overlay .app-badge")
    assert badges.count() > 0
    texts = badges.all_inner_texts()
    assert any(re.search(r"\d+ waiting", text) for text in texts)
    # the badge on each stage matches the table printed under the diagram
    for row in page.locator("#map-table tbody tr[data-element]").all():
        element = row.get_attribute("data-element")
        waiting = int(row.locator("td").first.inner_text())
        if waiting:
            badge = page.locator(f".app-badge[data-element='{element}']")
            assert badge.inner_text().startswith(f"{waiting} waiting"), element
    watermark = page.locator(".bjs-powered-by")
    assert watermark.count() == 1 and watermark.is_visible()
    canvas = page.locator("#process-map").bounding_box()
    mark = watermark.bounding_box()
    assert canvas["x"] <= mark["x"] and mark["x"] + mark["width"] <= canvas["x"] + canvas["width"]
    screenshot(page, "process-map")
    page.click(".app-map-tabs a:has-text('Ten-week monitoring')")
    _ready(page)
    assert page.locator("[class*='heat-']").count() > 0
    assert page.locator(".djs-overlay .app-badge").count() > 0


def test_a_cases_path_is_marked_on_its_map(page, dashboard_server):
    with dashboard_server.app.app_context(), reading() as session:
        waiting = select(Task.id).where(Task.case_id == Case.id, Task.status == "open").exists()
        case_id = session.scalar(
            select(Case.id).where(Case.stage == "legal", Case.status == "open", waiting).limit(1)
        )
    assert case_id, "the synthetic cases include an open legal case with an open task"
    _sign_in(page, dashboard_server)
    page.goto(f"{dashboard_server.url}/cases/{case_id}/map")
    _ready(page)
    assert page.get_attribute("#process-map", "data-diagram") == "legal.bpmn"
    assert page.locator(".djs-element.path-current").count() >= 1
    assert page.locator(".djs-element.path-done").count() >= 1
    assert page.locator(".djs-element.path-unreached").count() >= 1
    page.click(".app-map-tabs a:has-text('Attendance case')")
    _ready(page)
    assert page.locator(".djs-element.path-current").count() >= 1  # the legal call activity
    screenshot(page, "case-map")
