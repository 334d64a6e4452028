"""School-stage pages: suggestions on the school's home page, starting a stage, its page, and
the notification it pre-fills.  Bands come from the deployed DMN tables (90.0% in, 90.1% out)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from factories import PASSWORD, auth, deploy_default, make_user
from factories_api import csrf_from, db_update, sign_in
from factories_forms import PUPIL_UPN

from app.cases import Case
from app.forms import make_upn

A, B = "100001", "100002"
P90, P901, P_UNAUTH, P_FINE = (make_upn(937, 2001, 21, n) for n in (1, 2, 3, 4))


#: the day the pages think it is (suggestions count this school year up to it)
TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = datetime.combine(TODAY, time(12), tzinfo=UTC)
    monkeypatch.setattr("app.web.portal_routes.utcnow", lambda: moment)


def _school_days(count: int) -> list[date]:
    """``count`` weekdays of this academic year before TODAY."""
    days, day = [], TODAY - timedelta(days=1)
    while len(days) < count:
        assert day >= date(2026, 9, 1), "not enough school days for the test's marks"
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def _marks(client: Any, user: dict[str, Any], upn: str, codes: list[str]) -> None:
    """One mark per session, AM then PM, on the school days before today."""
    days = _school_days(-(-len(codes) // 2))
    marks = [
        {
            "urn": A,
            "upn": upn,
            "date": days[i // 2].isoformat(),
            "session": ("AM", "PM")[i % 2],
            "code": code,
        }
        for i, code in enumerate(codes)
    ]
    response = client.post("/api/v1/attendance", json={"marks": marks}, headers=auth(user))
    assert response.status_code == 200 and not response.json["errors"], response.json


def _world(app: Any, client: Any) -> dict[str, Any]:
    deploy_default(app)
    adviser = make_user(app, "adviser")
    school = make_user(app, "school", school=A)
    _marks(client, adviser, P90, ["/"] * 90 + ["O"] * 10)  # 90.0%: persistent
    _marks(client, adviser, P901, ["/"] * 91 + ["I"] * 10)  # 90.1% (rounded up): not persistent
    _marks(client, adviser, P_UNAUTH, ["/"] * 100 + ["O"] * 10)  # 90.9%, 10 unauthorised
    _marks(client, adviser, P_FINE, ["/"] * 20)
    return {"adviser": adviser, "school": school}


def test_home_page_suggests_pupils_by_the_decision_tables(pathway_app, pathway_client):
    app, client = pathway_app, pathway_client
    world = _world(app, client)
    sign_in(client, world["school"]["email"], PASSWORD)
    page = client.get("/").get_data(as_text=True)
    table = page.split('id="suggestions"')[1].split("</table>")[0]
    assert P90 in table and P_UNAUTH in table
    assert P901 not in table and P_FINE not in table
    assert "Persistent absence this year" in table
    assert "10 or more unauthorised absences this year" in table
    assert table.index(P90) < table.index(P_UNAUTH)  # lowest attendance first


def test_start_from_a_suggestion_keeps_input_on_errors_and_opens_the_stage(
    pathway_app, pathway_client
):
    app, client = pathway_app, pathway_client
    world = _world(app, client)
    sign_in(client, world["school"]["email"], PASSWORD)
    form = client.get(f"/school-stage/start?upn={P90}")
    assert form.status_code == 200 and f'value="{P90}"' in form.get_data(as_text=True)
    fields = {
        "csrf_token": csrf_from(form.data),
        "pupil_upn": P90,
        "pupil_forenames": "Robin",
        "pupil_surname": "",
        "pupil_date_of_birth": "2015-03-14",
        "parent0_full_name": "Dana Example",
        "parent0_relationship": "Mother",
    }
    bad = client.post("/school-stage/start", data=fields)
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "There is a problem" in text
    assert 'value="Robin"' in text and 'value="Dana Example"' in text
    done = client.post("/school-stage/start", data={**fields, "pupil_surname": "Example"})
    assert done.status_code == 302 and "/school-stage/" in done.headers["Location"]
    stage = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Log the first-day contact" in stage and "Robin Example" in stage
    home = client.get("/").get_data(as_text=True)
    assert "School stage in progress" in home
    assert (
        P90 not in home.split('id="suggestions"')[1].split("</table>")[0]
        if 'id="suggestions"' in home
        else True
    )
    again = client.post("/school-stage/start", data={**fields, "pupil_surname": "Example"})
    assert again.status_code == 409 and "already has a school stage" in again.get_data(as_text=True)


def test_stage_page_is_scoped_and_the_csrf_token_is_required(pathway_app, pathway_client):
    app, client = pathway_app, pathway_client
    world = _world(app, client)
    response = client.post(
        "/api/v1/school-stages",
        json={
            "pupil": {
                "upn": P90,
                "forenames": "Robin",
                "surname": "Example",
                "date_of_birth": "2015-03-14",
            },
            "parents": [{"full_name": "Dana Example", "relationship": "Mother"}],
        },
        headers=auth(world["school"]),
    )
    stage_id = response.json["id"]
    other = make_user(app, "school", school=B)
    sign_in(client, other["email"], PASSWORD)
    assert client.get(f"/school-stage/{stage_id}").status_code == 404
    assert client.get(f"/cases/{stage_id}").status_code == 404
    client.get("/sign-out")
    sign_in(client, world["school"]["email"], PASSWORD)
    assert client.get(f"/cases/{stage_id}").status_code == 302  # the stage has its own page
    no_token = client.post("/school-stage/start", data={"pupil_upn": P901})
    assert no_token.status_code in (400, 403)


def test_a_referring_stage_prefills_the_notification(pathway_app, pathway_client):
    app, client = pathway_app, pathway_client
    world = _world(app, client)
    stage_id = client.post(
        "/api/v1/school-stages",
        json={
            "pupil": {
                "upn": PUPIL_UPN,
                "forenames": "Robin",
                "surname": "Example",
                "date_of_birth": "2015-03-14",
            },
            "parents": [{"full_name": "Dana Example", "relationship": "Mother"}],
        },
        headers=auth(world["school"]),
    ).json["id"]
    sign_in(client, world["school"]["email"], PASSWORD)
    assert client.get(f"/notify?school_stage={stage_id}").status_code == 409
    result = {
        "outcome": "refer",
        "pupil": {
            "upn": PUPIL_UPN,
            "forenames": "Robin",
            "surname": "Example",
            "date_of_birth": "2015-03-14",
        },
        "parents": [{"full_name": "Dana Example", "relationship": "Mother"}],
        "school": {"urn": A, "name": "Riverside Primary School"},
        "evidence": [{"date": "2026-10-01", "action": "Concern letter 1", "details": "Sent"}],
        "parent_informed": {"date": "2026-11-20", "method": "Letter"},
        "barriers": "Mornings",
        "child_voice": "Wants to come",
    }
    db_update(app, Case, stage_id, status="closed", result=result)
    page = client.get(f"/school-stage/{stage_id}").get_data(as_text=True)
    assert "Notify the attendance service" in page
    assert "Evidence of each step" in page and "1 October 2026" in page
    form = client.get(f"/notify?school_stage={stage_id}").get_data(as_text=True)
    assert 'value="Robin"' in form and 'value="Dana Example"' in form
    assert 'id="school_actions-0-date-year" name="school_actions.0.date[year]"' in form
    assert 'name="school_actions.0.date[month]" type="text" inputmode="numeric" value="10"' in form
    assert 'name="parent_informed.date[day]" type="text" inputmode="numeric" value="20"' in form
