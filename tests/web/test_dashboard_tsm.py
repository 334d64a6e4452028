"""The manager dashboard shows this term's targeting meetings and the schools overdue."""

from __future__ import annotations

from datetime import UTC, datetime

from factories import PASSWORD, auth, deploy_default, make_user
from factories_api import sign_in

from app.core.web import reading
from app.targeting import current_term, get_term


def test_dashboard_lists_schools_with_no_meeting_by_mid_term(pathway_app, pathway_client):
    app, client = pathway_app, pathway_client
    deploy_default(app)
    manager = make_user(app, "manager")
    make_user(app, "adviser")  # the schools exist once a user is made
    today = datetime.now(UTC).date()
    with app.app_context(), reading():
        term = get_term(current_term(today))
    opened = client.post(f"/api/v1/tsm/terms/{term.key}/open", headers=auth(manager))
    assert opened.status_code == 201 and len(opened.json["opened"]) == 2
    sign_in(client, manager["email"], PASSWORD)
    page = client.get("/dashboard").get_data(as_text=True)
    assert f"Targeting support meetings, {term.label}" in page
    assert 'id="figure-tsm-held">0 of 2<' in page
    if today > term.mid_term:
        table = page.split('id="table-tsm-overdue"')[1].split("</table>")[0]
        assert "Riverside Primary School" in table and "Hillcrest Academy" in table
        assert "None named" in table
    else:
        assert "Mid-term has not passed yet: 2 schools still to meet." in page


def test_a_meeting_task_and_its_page_open_for_the_adviser(pathway_app, pathway_client):
    app, client = pathway_app, pathway_client
    deploy_default(app)
    manager = make_user(app, "manager")
    adviser = make_user(app, "adviser")
    opened = client.post("/api/v1/tsm/terms/autumn-2026/open", headers=auth(manager))
    meeting = opened.json["opened"][0]["id"]
    sign_in(client, adviser["email"], PASSWORD)
    page = client.get(f"/cases/{meeting}")
    assert page.status_code == 200 and "TSM-" in page.get_data(as_text=True)
    tasks = client.get(f"/api/v1/tasks?case={meeting}", headers=auth(adviser)).json["items"]
    task_page = client.get(f"/tasks/{tasks[0]['id']}")
    assert task_page.status_code == 200
    text = task_page.get_data(as_text=True)
    assert "Record the targeting support meeting" in text
    assert "Pupils at or below the persistent-absence line (from the register)" in text
    assert "No open cases." in text
