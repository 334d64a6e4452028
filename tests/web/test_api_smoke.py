"""End to end through the API: notify, triage, and the case timeline."""

from __future__ import annotations

from factories import auth, deploy_default, make_user, notify


def test_notification_to_triage_completion(app, client):
    deploy_default(app)
    adviser = make_user(app, "adviser")
    school = make_user(app, "school", school="100001")

    created = notify(client, school)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["reference"].startswith("ATT-") and body["stage"] == "triage"

    tasks = client.get("/api/v1/tasks?assigned=unassigned", headers=auth(adviser)).json
    assert [t["element_id"] for t in tasks["items"]] == ["triage"]
    task_id = tasks["items"][0]["id"]

    detail = client.get(f"/api/v1/tasks/{task_id}", headers=auth(adviser)).json
    assert (
        detail["form"]["name"] == "triage" and "decision" in detail["form"]["schema"]["properties"]
    )

    done = client.post(
        f"/api/v1/tasks/{task_id}/complete",
        json={"data": {"decision": "accept_monitoring", "reasons": "Evidence complete."}},
        headers=auth(adviser),
    )
    assert done.status_code == 200, done.json
    assert done.json["case"]["stage"] == "monitoring"
    assert done.json["case"]["next_timer_at"] is not None

    case = client.get(f"/api/v1/cases/{body['case_id']}", headers=auth(adviser)).json
    kinds = [e["event_type"] for e in case["timeline"]]
    assert kinds[0] == "case_started"
    for expected in (
        "service_task_run",
        "stage_changed",
        "task_created",
        "task_completed",
        "decision_made",
    ):
        assert expected in kinds
    decision = next(e for e in case["timeline"] if e["event_type"] == "decision_made")
    assert decision["detail"]["taken"] == ["start_monitoring"]
    run = next(e for e in case["timeline"] if e["event_type"] == "service_task_run")
    assert run["detail"]["result"]["attendance_pct"] > 0
