"""The decision tables of the pathway: boundaries, catch-all rows, and changing a row in a copy of
the model changes the route with no Python change."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import find_task, get_case, notification, open_case, setup, with_attendance

from app.core.web import transaction
from app.engine import ModelCatalog, WorkflowEngine, compile_model, spec_to_dict
from app.process_models import deploy_directory

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "bpmn" / "attendance_case"

_PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Definitions_probe" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="dmn_probe" isExecutable="true">
    <bpmn:startEvent id="probe_start"><bpmn:outgoing>probe_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="probe_rule">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>probe_1</bpmn:incoming><bpmn:outgoing>probe_2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="probe_end"><bpmn:incoming>probe_2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="probe_1" sourceRef="probe_start" targetRef="probe_rule" />
    <bpmn:sequenceFlow id="probe_2" sourceRef="probe_rule" targetRef="probe_end" />
  </bpmn:process>
</bpmn:definitions>
"""
_CATALOG = ModelCatalog(forms=frozenset(), operators={}, lanes={})
_SPECS: dict[str, Any] = {}


def decide(decision: str, **data: Any) -> tuple[dict[str, Any], list[int]]:
    """Run the real table ``decision`` (bpmn/attendance_case/<decision>.dmn) in the engine."""
    if decision not in _SPECS:
        files = {
            "probe.bpmn": _PROBE.format(decision=decision).encode(),
            f"{decision}.dmn": (MODEL_DIR / f"{decision}.dmn").read_bytes(),
        }
        _SPECS[decision] = spec_to_dict(compile_model(files, "dmn_probe", _CATALOG))
    result = WorkflowEngine(invoke_service=_no_services).start(_SPECS[decision], data)
    assert result.completed
    (made,) = result.decisions
    return dict(result.data), [r["row"] for r in made["rules"]]


def _no_services(name: str, params: dict[str, Any]) -> dict[str, Any]:
    raise AssertionError(f"no service task expected, got {name}")


@pytest.mark.parametrize(
    ("pct", "band", "row"),
    [
        (0.0, "severe", 1),
        (50.0, "severe", 1),
        (50.1, "persistent", 2),
        (89.9, "persistent", 2),
        (90.0, "persistent", 2),
        (90.1, "universal", 3),
        (100.0, "universal", 3),
    ],
)
def test_attendance_band_boundaries(pct: float, band: str, row: int) -> None:
    data, rows = decide("attendance_band", attendance_pct=pct)
    assert (data["band"], rows) == (band, [row])


def test_attendance_band_catch_all() -> None:
    data, rows = decide("attendance_band", attendance_pct=float("nan"))
    assert (data["band"], rows) == ("unknown", [4])


T1_BASE = {
    "in_scope": True,
    "safeguarding_flag": False,
    "evidence_complete": True,
    "band": "persistent",
    "unauthorised_10_weeks": 0,
    "holiday_only": False,
}


@pytest.mark.parametrize(
    ("changes", "outcome", "row"),
    [
        ({"in_scope": False, "safeguarding_flag": True}, "reject_incomplete", 1),
        ({"safeguarding_flag": True, "evidence_complete": False}, "redirect_safeguarding", 2),
        ({"evidence_complete": False}, "return_to_school", 3),
        ({"unauthorised_10_weeks": 10, "holiday_only": True}, "redirect_pn_holiday", 4),
        ({"unauthorised_10_weeks": 9, "holiday_only": True}, "accept_monitoring", 6),
        ({"band": "severe"}, "accept_monitoring", 5),
        ({}, "accept_monitoring", 6),
        ({"band": "universal", "unauthorised_10_weeks": 10}, "accept_monitoring", 7),
        ({"band": "universal", "unauthorised_10_weeks": 9}, "return_to_school", 8),
        ({"band": "unknown"}, "return_to_school", 9),
    ],
)
def test_triage_outcome_rows(changes: dict[str, Any], outcome: str, row: int) -> None:
    data, rows = decide("triage_outcome", **{**T1_BASE, **changes})
    assert (data["suggested_outcome"], rows) == (outcome, [row])
    assert data["suggestion_reason"]


T2_BASE = {"has_marks": True, "change_pct": 0.0, "non_present_sessions": 3}


@pytest.mark.parametrize(
    ("changes", "outcome", "row"),
    [
        ({"has_marks": False, "change_pct": -20.0}, "continue", 1),
        ({"change_pct": -0.1}, "escalate_early_to_contract", 2),
        ({"change_pct": 0.0}, "continue", 4),
        ({"change_pct": 5.0, "non_present_sessions": 0}, "close_early_improved", 3),
        ({"change_pct": 5.0, "non_present_sessions": 1}, "continue", 4),
    ],
)
def test_midway_outcome_rows(changes: dict[str, Any], outcome: str, row: int) -> None:
    data, rows = decide("midway_outcome", **{**T2_BASE, **changes})
    assert (data["suggested_outcome"], rows) == (outcome, [row])


T3_BASE = {
    "has_marks": True,
    "window_pct": 85.0,
    "unauthorised_last_4": 0,
    "change_pct": 0.0,
    "unauthorised_last_2": 0,
    "threshold_sessions": 0,
    "parent_engagement": "partial",
}


@pytest.mark.parametrize(
    ("changes", "outcome", "row"),
    [
        ({"has_marks": False, "window_pct": 99.0}, "to_contract", 1),
        ({"window_pct": 90.0, "unauthorised_last_4": 2}, "improved", 2),
        ({"window_pct": 89.9, "unauthorised_last_4": 2}, "to_contract", 5),
        ({"window_pct": 90.0, "unauthorised_last_4": 3}, "to_contract", 5),
        ({"change_pct": 10.0, "unauthorised_last_2": 0}, "improved", 3),
        ({"change_pct": 9.9, "unauthorised_last_2": 0}, "to_contract", 5),
        ({"change_pct": 10.0, "unauthorised_last_2": 1}, "to_contract", 5),
        ({"threshold_sessions": 10, "parent_engagement": "none"}, "to_enforcement", 4),
        ({"threshold_sessions": 9, "parent_engagement": "none"}, "to_contract", 5),
        ({"threshold_sessions": 10, "parent_engagement": "partial"}, "to_contract", 5),
    ],
)
def test_monitoring_outcome_rows(changes: dict[str, Any], outcome: str, row: int) -> None:
    data, rows = decide("monitoring_outcome", **{**T3_BASE, **changes})
    assert (data["suggested_outcome"], rows) == (outcome, [row])


def test_every_table_ends_with_a_catch_all_row() -> None:
    from lxml import etree

    ns = {"d": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
    for name in ("attendance_band", "triage_outcome", "midway_outcome", "monitoring_outcome"):
        tree = etree.parse(str(MODEL_DIR / f"{name}.dmn"))
        last = tree.xpath("//d:rule", namespaces=ns)[-1]
        cells = [t.text for t in last.xpath("./d:inputEntry/d:text", namespaces=ns)]
        assert cells and all(c.strip() == "-" for c in cells), name


def test_changing_the_persistent_absence_row_changes_the_triage_suggestion(
    pathway_app: Any, tmp_path: Path
) -> None:
    """A process owner lowers the persistent-absence boundary to 85% in a copy of the model:
    the same notification (88% attendance) is now suggested for return, not monitoring."""
    client = pathway_app.test_client()
    world = setup(pathway_app)
    body = notification(**with_attendance(100, 88))
    first = open_case(client, world.school, body)
    task = find_task(client, world.adviser, first, "triage_review")
    assert (task["data"]["band"], task["data"]["suggested_outcome"]) == (
        "persistent",
        "accept_monitoring",
    )

    changed = tmp_path / "bpmn" / "attendance_case"
    shutil.copytree(MODEL_DIR, changed)
    table = changed / "attendance_band.dmn"
    text = table.read_text()
    assert text.count("<text>&lt;= 90</text>") == 1
    table.write_text(text.replace("<text>&lt;= 90</text>", "<text>&lt;= 85</text>"))
    with pathway_app.app_context(), transaction():
        ((version, created),) = deploy_directory(
            None, tmp_path / "bpmn", Path(pathway_app.config["FORMS_DIR"])
        )
    assert created and version.version == 2

    second = open_case(client, world.school, body)
    task = find_task(client, world.adviser, second, "triage_review")
    assert (task["data"]["band"], task["data"]["suggested_outcome"]) == (
        "universal",
        "return_to_school",
    )
    case = get_case(client, world.adviser, second)
    assert case["model"]["version"] == 2
    made = [e for e in case["timeline"] if e["event_type"] == "decision_made"]
    rows = {e["detail"]["element_id"]: [r["row"] for r in e["detail"]["rules"]] for e in made}
    assert rows == {
        "check_school_evidence": [],
        "classify_band": [3],
        "suggest_triage_outcome": [8],
    }
    # the first case stays on version 1 and keeps its suggestion
    assert get_case(client, world.adviser, first)["model"]["version"] == 1
