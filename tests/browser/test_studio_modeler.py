"""The studio in a real browser, on the real pathway: change a task's name in the bpmn-js modeler,
validate, deploy with a change note, and see the new version in the history.  Also: a diagram
saved by Camunda Modeler keeps its layout through the modeler, the decision-table editor opens,
and the form editor previews as it is edited.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from conftest import PASSWORD, USERS, screenshot
from lxml import etree

from app.accounts import create_user
from app.core.web import transaction

OWNER = "owner@council.example"
USERS_ADVISER = USERS["adviser"][0]
MODEL = "attendance_case"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"


@pytest.fixture(scope="module")
def studio(live_server: Any) -> Any:
    with live_server.app.app_context(), transaction():
        create_user(OWNER, role="process_owner", password=PASSWORD, name="Olu Owner")
    return live_server


def _sign_in(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/sign-in")
    page.fill("#email", OWNER)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")


def _draft(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/studio/models/{MODEL}")
    start = page.locator("button:has-text('Edit (start a draft')")
    if start.count():
        start.click()
    else:
        page.goto(f"{server.url}/studio/models/{MODEL}/draft")
    assert page.inner_text("h1") == "Draft"


def _wait_ready(page: Any, selector: str) -> None:
    page.wait_for_selector(f"{selector}[data-ready='true']", timeout=20000)


def _poll(check: Any, timeout: float = 10) -> Any:
    """Poll from Python (tooling.md: wait_for_function with a Promise returned at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def _first_task(page: Any) -> str:
    return str(
        page.evaluate(
            """() => studioModeler.get('elementRegistry').filter(e =>
                 ['bpmn:UserTask', 'bpmn:CallActivity', 'bpmn:Task'].includes(e.type))[0].id"""
        )
    )


def _boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_change_a_task_name_validate_deploy_and_see_the_version(studio, page):
    _sign_in(page, studio)
    _draft(page, studio)
    page.click(f"a[href$='/draft/edit/{MODEL}.bpmn']")
    _wait_ready(page, "#studio-modeler")
    watermark = page.locator(".bjs-powered-by")
    assert watermark.count() == 1 and watermark.is_visible()
    assert not _boxes_overlap(
        watermark.bounding_box(), page.locator("#studio-panel").bounding_box()
    )

    element_id = _first_task(page)
    page.click(f"[data-element-id='{element_id}']")
    name = page.locator("#studio-panel [data-field='name']")
    name.fill("Triage the referral (renamed in the studio)")
    name.press("Tab")
    assert "Unsaved" in page.inner_text("#studio-status")
    page.click("#studio-save")
    _poll(lambda: page.inner_text("#studio-status") == "Saved")
    page.click("#studio-validate")
    page.wait_for_selector("#studio-verdict")
    assert page.inner_text("#studio-verdict").startswith("Valid"), page.inner_text(
        "#studio-problems"
    )
    screenshot(page, "studio-modeler")

    page.goto(f"{studio.url}/studio/models/{MODEL}/draft")
    assert "Triage the referral (renamed in the studio)" in page.inner_text("#changes ~ table")
    page.fill("#note", "Clearer name for the triage step")
    page.click("#deploy-button")
    assert page.inner_text("h1") == "Version 2"
    page.goto(f"{studio.url}/studio/models/{MODEL}")
    row = page.locator("tr[data-version='2']")
    assert "Clearer name for the triage step" in row.inner_text()
    assert "Olu Owner" in row.inner_text()
    screenshot(page, "studio-history")


def test_validation_problems_are_marked_on_the_canvas(studio, page):
    _sign_in(page, studio)
    _draft(page, studio)
    page.click(f"a[href$='/draft/edit/{MODEL}.bpmn']")
    _wait_ready(page, "#studio-modeler")
    element_id = page.evaluate(
        """() => studioModeler.get('elementRegistry')
                 .filter(e => e.type === 'bpmn:CallActivity')[0].id"""
    )
    page.click(f"[data-element-id='{element_id}']")
    called = page.locator("#studio-panel [data-field='calledElement']")
    called.fill("no_such_process")
    called.press("Tab")
    page.click("#studio-validate")
    page.wait_for_selector("#studio-verdict")
    assert "problem(s)" in page.inner_text("#studio-verdict")
    assert page.locator(f"g.app-studio-error[data-element-id='{element_id}']").count() == 1
    assert page.locator(".app-studio-badge--error").count() >= 1
    page.evaluate("() => studioModeler.get('commandStack').undo()")
    page.click("#studio-save")
    _poll(lambda: page.inner_text("#studio-status") == "Saved")


CAMUNDA_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:modeler="http://camunda.org/schema/modeler/1.0"
    id="Definitions_1x" targetNamespace="http://bpmn.io/schema/bpmn"
    exporter="Camunda Modeler" exporterVersion="5.31.0"
    modeler:executionPlatform="Camunda Platform" modeler:executionPlatformVersion="7.22.0">
  <bpmn:process id="camunda_drawn" name="Drawn in Camunda Modeler" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="Start">
      <bpmn:outgoing>Flow_0a</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Activity_review" name="Review the case"
        camunda:formKey="triage" camunda:assignee="adviser">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="level">high</camunda:inputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_0a</bpmn:incoming>
      <bpmn:outgoing>Flow_0b</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1" name="Done">
      <bpmn:incoming>Flow_0b</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_0a" sourceRef="StartEvent_1" targetRef="Activity_review" />
    <bpmn:sequenceFlow id="Flow_0b" sourceRef="Activity_review" targetRef="EndEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="camunda_drawn">
      <bpmndi:BPMNShape id="_BPMNShape_StartEvent_2" bpmnElement="StartEvent_1">
        <dc:Bounds x="179" y="159" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="185" y="202" width="24" height="14" /></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_review_di" bpmnElement="Activity_review">
        <dc:Bounds x="273" y="137" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="EndEvent_1_di" bpmnElement="EndEvent_1">
        <dc:Bounds x="437" y="159" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="443" y="202" width="25" height="14" /></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_0a_di" bpmnElement="Flow_0a">
        <di:waypoint x="215" y="177" />
        <di:waypoint x="273" y="177" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_0b_di" bpmnElement="Flow_0b">
        <di:waypoint x="373" y="177" />
        <di:waypoint x="405" y="177" />
        <di:waypoint x="405" y="120" />
        <di:waypoint x="437" y="177" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _layout(text: str) -> dict[str, Any]:
    root = etree.fromstring(text.encode())
    found: dict[str, Any] = {}
    for shape in root.iter(f"{{{BPMNDI}}}BPMNShape"):
        bounds = shape.find(f"{{{DC}}}Bounds")
        found[shape.get("bpmnElement")] = tuple(
            float(bounds.get(k)) for k in ["x", "y", "width", "height"]
        )
    for edge in root.iter(f"{{{BPMNDI}}}BPMNEdge"):
        found[edge.get("bpmnElement")] = [
            (float(p.get("x")), float(p.get("y"))) for p in edge.iter(f"{{{DI}}}waypoint")
        ]
    return found


def _semantics(text: str) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    root = etree.fromstring(text.encode())
    return sorted(
        (etree.QName(e).localname, tuple(sorted(e.attrib.items())))
        for e in root.iter()
        if isinstance(e.tag, str)
        and not etree.QName(e).namespace.startswith(
            ("http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD")
        )
    )


def test_a_camunda_modeler_diagram_keeps_its_layout_through_the_modeler(studio, page):
    _sign_in(page, studio)
    _draft(page, studio)
    token = page.get_attribute("input[name=csrf_token]", "value")
    url = f"{studio.url}/studio/api/models/{MODEL}/draft/files/camunda_drawn.bpmn"
    saved = page.request.put(url, data={"text": CAMUNDA_DIAGRAM}, headers={"X-CSRFToken": token})
    assert saved.ok, saved.text()
    page.goto(f"{studio.url}/studio/models/{MODEL}/draft/edit/camunda_drawn.bpmn")
    _wait_ready(page, "#studio-modeler")
    page.click("#studio-save")
    _poll(lambda: page.inner_text("#studio-status") == "Saved")
    round_trip = page.request.get(url).json()["text"]
    assert round_trip != CAMUNDA_DIAGRAM  # it really went through bpmn-js
    assert _layout(round_trip) == _layout(CAMUNDA_DIAGRAM)
    assert _semantics(round_trip) == _semantics(CAMUNDA_DIAGRAM)
    assert 'camunda:formKey="triage"' in round_trip and "<camunda:inputParameter" in round_trip


def test_the_decision_table_editor_opens_a_pathway_table(studio, page):
    _sign_in(page, studio)
    _draft(page, studio)
    tables = page.locator("a[href*='/draft/edit/'][href$='.dmn']")
    assert tables.count() > 0
    tables.first.click()
    _wait_ready(page, "#studio-dmn")
    assert page.locator(".tjs-table").count() == 1
    assert (
        page.locator(".dmn-decision-table-container .powered-by-logo, .bjs-powered-by").count() >= 1
    )
    page.click("#studio-save")
    _poll(lambda: page.inner_text("#studio-status") == "Saved")
    page.click("#studio-validate")  # what dmn-js wrote still parses and checks in the engine
    page.wait_for_selector("#studio-verdict")
    assert page.inner_text("#studio-verdict").startswith("Valid"), page.inner_text(
        "#studio-problems"
    )
    screenshot(page, "studio-dmn")


def test_the_form_editor_previews_while_editing(studio, page):
    _sign_in(page, studio)
    _draft(page, studio)
    page.click("a[href$='/draft/edit/forms/notification.schema.json']")
    _poll(lambda: page.get_attribute("#studio-form-editor", "data-preview") == "ok")
    assert page.locator("#preview input, #preview textarea").count() > 5
    schema = page.input_value("#schema-text")
    page.fill("#schema-text", schema.replace('"type": "object"', '"type": "objekt"', 1))
    _poll(lambda: page.get_attribute("#studio-form-editor", "data-preview") == "invalid")
    assert page.locator("#preview-problems li").count() >= 1


def _deploy_renamed_closure(server: Any) -> int:
    """A new version whose last step (the closure) has another name: open cases can move."""
    from app.accounts import User
    from app.process_models import deploy_draft, get_draft, save_draft_file, start_draft

    with server.app.app_context(), transaction() as session:
        owner = session.query(User).filter_by(email=OWNER).one()
        draft = get_draft(MODEL) or start_draft(owner, model_id=MODEL)
        text = draft.files[f"{MODEL}.bpmn"]
        renamed = text.replace('name="Closure"', 'name="Close the case"', 1)
        assert renamed != text
        save_draft_file(owner, model_id=MODEL, name=f"{MODEL}.bpmn", text=renamed)
        return deploy_draft(owner, model_id=MODEL, note="Closure renamed").version


def test_moving_cases_shows_progress_and_can_be_undone(studio, page):
    from factories import valid_notification

    from app.accounts import create_token

    with studio.app.app_context(), transaction():
        token = create_token(USERS_ADVISER)
    _sign_in(page, studio)
    opened = page.request.post(
        f"{studio.url}/api/v1/notifications",
        data=valid_notification(),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert opened.status == 201, opened.text()
    number = _deploy_renamed_closure(studio)
    page.goto(f"{studio.url}/studio/models/{MODEL}/versions/{number}/migrate")
    row = page.locator(f"tr[data-case='{opened.json()['case_id']}']")
    assert row.get_attribute("data-verdict") in ("as_is", "mapped")
    page.click("#migrate-button")
    _poll(lambda: page.inner_text("#migrate-progress").startswith("Finished"))
    assert "1 of 1 case(s) moved" in page.inner_text("#migrate-progress"), row.inner_text()
    assert "Moved." in row.inner_text()
    page.reload()
    page.click("button:has-text('Undo')")
    assert "was undone" in page.inner_text(".govuk-notification-banner")
