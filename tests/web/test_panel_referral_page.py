"""Referring a case to a multi-agency panel from the case page."""

from __future__ import annotations

from factories import PASSWORD, auth, deploy_default, make_user, notify
from factories_api import case_task, csrf_from, sign_in

VALID_TRIAGE = {
    "outcome": "accept_monitoring",
    "reasons": "Persistent absence.",
    "override_reason": "Evidence seen at the school.",
}


def _case_in_monitoring(app, client, adviser, school, attended: int) -> int:
    body = {
        "attendance": {
            "possible_sessions": 100,
            "attended_sessions": attended,
            "unauthorised_absences": 100 - attended,
        }
    }
    response = notify(client, school, **body)
    assert response.status_code == 201, response.json
    case_id = response.json["case_id"]
    task = case_task(client, adviser, case_id)
    done = client.post(
        f"/api/v1/tasks/{task['id']}/complete", json={"data": VALID_TRIAGE}, headers=auth(adviser)
    )
    assert done.status_code == 200, done.json
    return case_id


def test_a_severe_absence_case_recommends_a_panel_and_the_referral_opens_its_task(
    pathway_app, pathway_client
):
    app, client = pathway_app, pathway_client
    deploy_default(app)
    adviser = make_user(app, "adviser")
    school = make_user(app, "school", school="100001")
    case_id = _case_in_monitoring(app, client, adviser, school, 45)
    sign_in(client, adviser["email"], PASSWORD)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Refer to a multi-agency panel" in page and "severe absence (45.0%" in page
    token = csrf_from(page.split('id="panel"')[1])
    missing = client.post(f"/cases/{case_id}/panel-referral", data={"csrf_token": token})
    assert missing.status_code == 302
    assert "Choose why" in client.get(missing.headers["Location"]).get_data(as_text=True)
    done = client.post(
        f"/cases/{case_id}/panel-referral",
        data={"csrf_token": token, "reason": "severe_absence", "details": "45%"},
    )
    assert done.status_code == 302
    after = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "referred to a multi-agency panel" in after
    assert "Arrange the multi-agency panel" in after
    assert 'id="panel"' not in after  # the panel is under way: no second referral


def test_the_referral_is_not_offered_to_schools_or_for_a_case_at_triage(
    pathway_app, pathway_client
):
    app, client = pathway_app, pathway_client
    deploy_default(app)
    adviser = make_user(app, "adviser")
    school = make_user(app, "school", school="100001")
    triage_case = notify(client, school).json["case_id"]
    sign_in(client, adviser["email"], PASSWORD)
    assert 'id="panel"' not in client.get(f"/cases/{triage_case}").get_data(as_text=True)
    client.get("/sign-out")
    monitoring_case = _case_in_monitoring(app, client, adviser, school, 80)
    sign_in(client, school["email"], PASSWORD)
    page = client.get(f"/cases/{monitoring_case}").get_data(as_text=True)
    assert 'id="panel"' not in page
