"""Helpers for driving the contract, enforcement and legal stages through the API.

Until the main process routes cases to these stages, a small test-only main model (a "harness")
seeds ``case, pupil, parents, school, figures`` from the notification and calls the stages in
order: contract -> enforcement -> legal, entering at the stage a test chooses, and closes the
case with the stage's ``closure_reason``.  It is deployed beside the real stage files of
``bpmn/attendance_case`` and the real ``forms/``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from factories import auth
from factories_api import api_user
from factories_forms import PUPIL_UPN, SCHOOL_URN
from sqlalchemy import select

from app.attendance import load_default_calendar
from app.attendance.models import PenaltyNotice
from app.audit import AuditEvent
from app.cases import Case, Task, run_due_timers
from app.core.web import transaction
from app.documents.models import Document
from app.process_models import deploy_model

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "bpmn" / "attendance_case"
FORMS_DIR = ROOT / "forms"
STAGE_FILES = (
    "contract.bpmn",
    "enforcement.bpmn",
    "legal.bpmn",
    "contract_outcome.dmn",
    "nti_use.dmn",
    "nti_outcome.dmn",
    "pn_gate.dmn",
    "pn_unpaid.dmn",
    "eso_vs_prosecution.dmn",
    "offence_selection.dmn",
)
HARNESS_ID = "stage_harness"
STAGES = ("contract", "enforcement", "legal")
_HARNESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_harness"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{pid}" name="Test harness for the stage sub-processes" isExecutable="true">
    <bpmn:startEvent id="h_start"><bpmn:outgoing>h_f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="h_seed" name="Seed the stage inputs">
      <bpmn:incoming>h_f1</bpmn:incoming><bpmn:outgoing>h_f2</bpmn:outgoing>
      <bpmn:script>pupil = notification["pupil"]
parents = notification["parents"]
school = notification["school"]
att = notification["attendance"]
figures = {{"attendance_pct": round(100.0 * att["attended_sessions"] / att["possible_sessions"], 1),
           "date_from": att["period_from"], "date_to": att["period_to"]}}
entry = "{entry}"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="h_entry" default="h_to_contract">
      <bpmn:incoming>h_f2</bpmn:incoming>
      <bpmn:outgoing>h_to_contract</bpmn:outgoing><bpmn:outgoing>h_to_enf</bpmn:outgoing>
      <bpmn:outgoing>h_to_legal</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:callActivity id="h_contract" name="Contract" calledElement="contract_stage">
      <bpmn:incoming>h_to_contract</bpmn:incoming><bpmn:outgoing>h_f3</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:exclusiveGateway id="h_after_contract" default="h_c_close">
      <bpmn:incoming>h_f3</bpmn:incoming>
      <bpmn:outgoing>h_c_enf</bpmn:outgoing><bpmn:outgoing>h_c_close</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:exclusiveGateway id="h_enf_merge">
      <bpmn:incoming>h_to_enf</bpmn:incoming><bpmn:incoming>h_c_enf</bpmn:incoming>
      <bpmn:outgoing>h_f4</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:callActivity id="h_enforcement" name="Enforcement" calledElement="enforcement_stage">
      <bpmn:incoming>h_f4</bpmn:incoming><bpmn:outgoing>h_f5</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:exclusiveGateway id="h_after_enf" default="h_e_close">
      <bpmn:incoming>h_f5</bpmn:incoming>
      <bpmn:outgoing>h_e_legal</bpmn:outgoing><bpmn:outgoing>h_e_close</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:exclusiveGateway id="h_legal_merge">
      <bpmn:incoming>h_to_legal</bpmn:incoming><bpmn:incoming>h_e_legal</bpmn:incoming>
      <bpmn:outgoing>h_f6</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:callActivity id="h_legal" name="Legal" calledElement="legal_stage">
      <bpmn:incoming>h_f6</bpmn:incoming><bpmn:outgoing>h_f7</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:exclusiveGateway id="h_close_merge">
      <bpmn:incoming>h_c_close</bpmn:incoming><bpmn:incoming>h_e_close</bpmn:incoming>
      <bpmn:incoming>h_f7</bpmn:incoming><bpmn:outgoing>h_f8</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:scriptTask id="h_close" name="Close the case">
      <bpmn:incoming>h_f8</bpmn:incoming><bpmn:outgoing>h_f9</bpmn:outgoing>
      <bpmn:script>close_case(stage_result["closure_reason"] or "improved")</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="h_end"><bpmn:incoming>h_f9</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="h_f1" sourceRef="h_start" targetRef="h_seed" />
    <bpmn:sequenceFlow id="h_f2" sourceRef="h_seed" targetRef="h_entry" />
    <bpmn:sequenceFlow id="h_to_contract" sourceRef="h_entry" targetRef="h_contract" />
    <bpmn:sequenceFlow id="h_to_enf" sourceRef="h_entry" targetRef="h_enf_merge">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
        entry == "enforcement"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="h_to_legal" sourceRef="h_entry" targetRef="h_legal_merge">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
        entry == "legal"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="h_f3" sourceRef="h_contract" targetRef="h_after_contract" />
    <bpmn:sequenceFlow id="h_c_enf" sourceRef="h_after_contract" targetRef="h_enf_merge">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
        stage_result["outcome"] == "to_enforcement"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="h_c_close" sourceRef="h_after_contract" targetRef="h_close_merge" />
    <bpmn:sequenceFlow id="h_f4" sourceRef="h_enf_merge" targetRef="h_enforcement" />
    <bpmn:sequenceFlow id="h_f5" sourceRef="h_enforcement" targetRef="h_after_enf" />
    <bpmn:sequenceFlow id="h_e_legal" sourceRef="h_after_enf" targetRef="h_legal_merge">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
        stage_result["outcome"] == "to_legal"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="h_e_close" sourceRef="h_after_enf" targetRef="h_close_merge" />
    <bpmn:sequenceFlow id="h_f6" sourceRef="h_legal_merge" targetRef="h_legal" />
    <bpmn:sequenceFlow id="h_f7" sourceRef="h_legal" targetRef="h_close_merge" />
    <bpmn:sequenceFlow id="h_f8" sourceRef="h_close_merge" targetRef="h_close" />
    <bpmn:sequenceFlow id="h_f9" sourceRef="h_close" targetRef="h_end" />
  </bpmn:process>
</bpmn:definitions>
"""


def stage_files() -> dict[str, bytes]:
    """The real stage diagrams and decision tables of the case model."""
    return {name: (MODEL_DIR / name).read_bytes() for name in STAGE_FILES}


def harness_files(entry: str) -> dict[str, bytes]:
    """The stage files plus a main process entering the pathway at ``entry``."""
    assert entry in STAGES
    main = _HARNESS.format(pid=HARNESS_ID, entry=entry).encode()
    return {**stage_files(), "harness.bpmn": main}


def deploy_harness(app: Any, entry: str) -> None:
    """Deploy the harness as the case model (POST /notifications starts it)."""
    app.config["CASE_PROCESS_MODEL"] = HARNESS_ID
    with app.app_context(), transaction():
        load_default_calendar()
        deploy_model(None, model_id=HARNESS_ID, files=harness_files(entry), forms_dir=FORMS_DIR)


def deploy_real(app: Any) -> None:
    """Deploy the real case model (``bpmn/`` + ``forms/``) with the council calendar."""
    from factories import deploy_default

    with app.app_context(), transaction():
        load_default_calendar()
    deploy_default(app)


class Pathway:
    """One case driven through the API by an adviser, a manager and a school user."""

    def __init__(self, app: Any, client: Any) -> None:
        self.app, self.client = app, client
        self.adviser = api_user(app, "adviser")
        self.manager = api_user(app, "manager")
        self.school = api_user(app, "school", school=SCHOOL_URN)
        self.case_id: int | None = None

    # ---------------------------------------------------------------- setup
    def post_marks(
        self,
        pattern: dict[int, tuple[str, str]],
        days_before: int = 90,
        days_after: int = 260,
        upn: str = PUPIL_UPN,
    ) -> None:
        """Session marks for every weekday around today: weekday -> (AM code, PM code)."""
        today = datetime.now(UTC).date()
        marks = []
        for offset in range(-days_before, days_after):
            day = today + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            am, pm = pattern.get(day.weekday(), ("/", "\\"))
            for session, code in (("AM", am), ("PM", pm)):
                marks.append(
                    {
                        "urn": SCHOOL_URN,
                        "upn": upn,
                        "date": day.isoformat(),
                        "session": session,
                        "code": code,
                    }
                )
        response = self.client.post(
            "/api/v1/attendance", json={"marks": marks}, headers=auth(self.adviser)
        )
        assert response.status_code == 200, response.json
        assert response.json["errors"] == [], response.json["errors"][:3]

    def notify(self, body: dict[str, Any] | None = None, **overrides: Any) -> int:
        from factories_forms import valid_notification

        response = self.client.post(
            "/api/v1/notifications",
            json=body if body is not None else valid_notification(**overrides),
            headers=auth(self.adviser),
        )
        assert response.status_code == 201, response.json
        self.case_id = response.json["case_id"]
        return self.case_id

    # ---------------------------------------------------------------- reading
    def case(self) -> Case:
        with self.app.extensions["db_sessions"]() as session:
            case = session.get(Case, self.case_id)
            session.expunge(case)
            return case

    def open_tasks(self) -> list[Task]:
        with self.app.extensions["db_sessions"]() as session:
            rows = list(
                session.scalars(
                    select(Task)
                    .where(Task.case_id == self.case_id, Task.status == "open")
                    .order_by(Task.id)
                )
            )
            for row in rows:
                session.expunge(row)
            return rows

    def events(self, kind: str) -> list[AuditEvent]:
        with self.app.extensions["db_sessions"]() as session:
            rows = list(
                session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.case_id == self.case_id, AuditEvent.event_type == kind)
                    .order_by(AuditEvent.id)
                )
            )
            for row in rows:
                session.expunge(row)
            return rows

    def decisions(self, element_id: str) -> list[dict[str, Any]]:
        """The DMN decisions recorded for ``element_id`` (each with the rows that fired)."""
        return [
            e.detail
            for e in self.events("decision_made")
            if e.detail.get("kind") == "dmn" and e.detail.get("element_id") == element_id
        ]

    def rule_rows(self, element_id: str) -> list[int]:
        return [d["rules"][0]["row"] for d in self.decisions(element_id)]

    def service_runs(self, operator: str) -> list[dict[str, Any]]:
        return [
            e.detail
            for e in self.events("service_task_run")
            if e.detail.get("operator") == operator
        ]

    def documents(self) -> list[tuple[str, str]]:
        """(template, recipient) of every letter generated for the case, oldest first."""
        with self.app.extensions["db_sessions"]() as session:
            rows = session.execute(
                select(Document.template, Document.recipient)
                .where(Document.case_id == self.case_id)
                .order_by(Document.id)
            )
            return [(t, r) for t, r in rows]

    def notices(self) -> list[PenaltyNotice]:
        with self.app.extensions["db_sessions"]() as session:
            rows = list(
                session.scalars(
                    select(PenaltyNotice)
                    .where(PenaltyNotice.case_id == self.case_id)
                    .order_by(PenaltyNotice.id)
                )
            )
            for row in rows:
                session.expunge(row)
            return rows

    # ---------------------------------------------------------------- acting
    def task(self, element_id: str) -> Task:
        found = [t for t in self.open_tasks() if t.element_id == element_id]
        assert found, (
            f"no open task {element_id}; open: {[t.element_id for t in self.open_tasks()]}"
        )
        return found[0]

    def user_for(self, role: str) -> dict[str, Any]:
        return {"adviser": self.adviser, "manager": self.manager, "school": self.school}[role]

    def complete(
        self, element_id: str, data: dict[str, Any], *, role: str | None = None, status: int = 200
    ) -> Any:
        task = self.task(element_id)
        if role is not None:
            assert task.role == role, (element_id, task.role, role)
        response = self.client.post(
            f"/api/v1/tasks/{task.id}/complete",
            json={"data": data},
            headers=auth(self.user_for(task.role)),
        )
        assert response.status_code == status, response.json
        return response

    def message(self, name: str, payload: dict[str, Any], status: int = 200) -> Any:
        response = self.client.post(
            f"/api/v1/cases/{self.case_id}/messages",
            json={"name": name, "payload": payload},
            headers=auth(self.adviser),
        )
        assert response.status_code == status, response.json
        return response

    def fire_next_timer(self, expect: str | None = None) -> list[str]:
        """Fire the case's next due timer (the engine runs as of just after that instant).

        SpiffWorkflow fires a timer strictly after its due time, so the engine runs one second
        past ``next_timer_at``.
        """
        due = self.case().next_timer_at
        assert due is not None, "the case waits for no timer"
        return self.fire_timers_at(due + timedelta(seconds=1), expect)

    def fire_timers_at(self, when: datetime, expect: str | None = None) -> list[str]:
        with self.app.app_context():
            outcomes = run_due_timers(when, self.app.extensions["db_sessions"])
        fired = [e for o in outcomes if o.get("case_id") == self.case_id for e in o["fired"]]
        errors = [o.get("error") for o in outcomes if o.get("error")]
        assert not errors, errors
        if expect is not None:
            assert expect in fired, (expect, fired)
        return fired
