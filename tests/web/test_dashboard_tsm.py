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
