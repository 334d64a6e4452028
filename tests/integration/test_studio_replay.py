"""What-if replay of recorded cases through a draft: the persistent-absence boundary 90 -> 85."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from factories import auth, deploy_default, deploy_files, make_user, notify
from unit.engine.diagrams import (
    business_rule_task,
    definitions,
    dmn,
    end,
    flow,
    gateway,
    process,
    script_task,
    service_task,
    start,
    user_task,
)

from app.accounts import User
from app.core.web import transaction
from app.process_models import draft_spec, get_draft, save_draft_file, start_draft
from app.studio import replay_cases, report_csv

MODEL = "attendance_case"
ROOT = Path(__file__).resolve().parents[2]


def _band(boundary: int) -> bytes:
    rules = [("<= 50", '"severe"'), (f"<= {boundary}", '"persistent"'), ("-", '"universal"')]
    return dmn("attendance_band", "figures['attendance_pct']", "band", rules)


def _model(boundary: int = 90) -> dict[str, bytes]:
    """calculate -> band (DMN) -> universal? returned to school : triage -> end."""
    calculate = service_task(
        "calculate_attendance",
        "attendance.calculate",
        {
            "possible_sessions": "notification['attendance']['possible_sessions']",
            "attended_sessions": "notification['attendance']['attended_sessions']",
        },
        result_variable="figures",
    )
    nodes = [
        start("start"),
        calculate,
        business_rule_task("classify", "attendance_band", "Attendance band"),
        gateway("route", "Persistent absence?", default="flow_triage"),
        user_task("triage", "Triage the notification"),
        end("end"),
        script_task("return_to_school", 'close_case("returned_to_school_stage")'),
        end("end_returned"),
    ]
    flows = [
        flow("start", "calculate_attendance"),
        flow("calculate_attendance", "classify"),
        flow("classify", "route"),
        flow("route", "return_to_school", 'band == "universal"', flow_id="flow_universal"),
        flow("route", "triage", flow_id="flow_triage"),
        flow("triage", "end"),
        flow("return_to_school", "end_returned"),
    ]
    main = definitions(process(MODEL, *nodes, *flows, lanes={"Adviser": [n.id for n in nodes]}))
    return {f"{MODEL}.bpmn": main, "attendance_band.dmn": _band(boundary)}


def _open(client, adviser, attended: int, possible: int = 100) -> int:
    attendance = {"possible_sessions": possible, "attended_sessions": attended}
    response = notify(client, adviser, attendance=attendance)
    assert response.status_code == 201, response.json
    return int(response.json["case_id"])


def _complete_triage(client, adviser, case_id):
    tasks = client.get(f"/api/v1/tasks?case={case_id}", headers=auth(adviser)).json["items"]
    [task] = [t for t in tasks if t["status"] == "open"]
    data = {"decision": "accept_monitoring", "reasons": "Evidence complete."}
    done = client.post(
        f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=auth(adviser)
    )
    assert done.status_code == 200, done.json


def _replay_draft(app, owner, edit):
    """Start a draft, apply ``edit`` to its files, replay every case through it."""
    with app.app_context(), transaction() as session:
        actor = session.get(User, owner["id"])
        draft = start_draft(actor, model_id=MODEL)
        for name, text in edit(dict(draft.files)).items():
            save_draft_file(actor, model_id=MODEL, name=name, text=text)
        rows = replay_cases(actor, model_id=MODEL, candidate=draft_spec(get_draft(MODEL)))
        return {row.case_id: row for row in rows}, report_csv(rows)


def _lower_boundary(files):
    return {"attendance_band.dmn": files["attendance_band.dmn"].replace("&lt;= 90", "&lt;= 85")}


def test_moving_the_boundary_from_90_to_85_finds_the_cases_whose_route_changes(app, client):
    adviser, owner = make_user(app, "adviser"), make_user(app, "process_owner")
    deploy_files(app, MODEL, _model(90))
    at_87, at_95, at_70 = (_open(client, adviser, pct) for pct in (87, 95, 70))
    _complete_triage(client, adviser, at_87)  # a closed case with a form submission in its history
    rows, text = _replay_draft(app, owner, _lower_boundary)

    assert set(rows) == {at_87, at_95, at_70}
    moved = rows[at_87].difference
    assert rows[at_87].problem is None and moved.routed_differently
    assert moved.element_id == "classify"
    assert moved.description == "decision 'Attendance band' would fire row(s) 3 instead of 2"
    assert moved.outcome_before == "closed (no reason)"
    assert moved.outcome_after == "closed (returned_to_school_stage)"
    for unchanged in (at_95, at_70):
        assert rows[unchanged].difference is not None
        assert not rows[unchanged].difference.changed, rows[unchanged].difference

    lines = list(csv.DictReader(io.StringIO(text)))
    assert [line["routed_differently"] for line in lines].count("yes") == 1
    [changed] = [line for line in lines if line["routed_differently"] == "yes"]
    assert changed["element"] == "classify" and "row(s) 3 instead of 2" in changed["what_changes"]


def test_replay_writes_nothing(app, client):
    from factories_api import row_counts

    adviser, owner = make_user(app, "adviser"), make_user(app, "process_owner")
    deploy_files(app, MODEL, _model(90))
    _open(client, adviser, 87)
    before = row_counts(app)
    _replay_draft(app, owner, _lower_boundary)
    assert row_counts(app) == before


def test_a_case_without_a_recorded_notification_is_reported_not_compared(app, client):
    from sqlalchemy import delete

    from app.audit import AuditEvent

    adviser, owner = make_user(app, "adviser"), make_user(app, "process_owner")
    deploy_files(app, MODEL, _model(90))
    case_id = _open(client, adviser, 87)
    with app.extensions["db_sessions"]() as session, session.begin():
        session.execute(delete(AuditEvent).where(AuditEvent.event_type == "case_started"))
    rows, _text = _replay_draft(app, owner, _lower_boundary)
    assert rows[case_id].problem == "its notification was not recorded"


_BAND = ROOT / "bpmn" / MODEL / "attendance_band.dmn"


@pytest.mark.skipif(
    not _BAND.exists() or "&lt;= 90" not in _BAND.read_text(),
    reason="the real pathway has no attendance_band.dmn with a '<= 90' boundary yet",
)
def test_the_real_pathways_boundary_moved_from_90_to_85(pathway_app, pathway_client):
    adviser, owner = make_user(pathway_app, "adviser"), make_user(pathway_app, "process_owner")
    deploy_default(pathway_app)
    at_87, at_95 = (_open(pathway_client, adviser, a, 120) for a in (105, 114))  # 87.5% / 95%

    def lower(files):
        band = files["attendance_band.dmn"].replace("&lt;= 90", "&lt;= 85")
        return {"attendance_band.dmn": band.replace("&gt; 90", "&gt; 85")}

    rows, _text = _replay_draft(pathway_app, owner, lower)
    assert rows[at_87].problem is None and rows[at_87].difference.routed_differently
    assert "attendance band" in rows[at_87].difference.description.lower()
    assert rows[at_95].problem is None and not rows[at_95].difference.routed_differently
