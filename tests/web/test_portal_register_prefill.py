"""The intake form is pre-filled with the pupil's figures from the school's own register."""

from __future__ import annotations

import re
from datetime import date, timedelta

from factories import PASSWORD, auth, deploy_default, make_user
from factories_api import sign_in
from factories_forms import PUPIL_UPN


def _weekdays(count: int) -> list[date]:
    days, day = [], date.today()
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def _field(page: str, name: str) -> str | None:
    found = re.search(rf'name="[^"]*\b{name}"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else None


def _post_marks(client, user, urn, codes):
    marks = [
        {"urn": urn, "upn": PUPIL_UPN, "date": d.isoformat(), "session": s, "code": code}
        for d, code in zip(_weekdays(len(codes)), codes, strict=True)
        for s in ("AM", "PM")
    ]
    response = client.post("/api/v1/attendance", json={"marks": marks}, headers=auth(user))
    assert response.status_code == 200 and not response.json["errors"], response.json


def test_the_schools_register_fills_the_attendance_section(app, client):
    deploy_default(app)
    school = make_user(app, "school", school="100001")
    _post_marks(client, school, "100001", ["/"] * 6 + ["O"] * 2 + ["I"] * 2)
    sign_in(client, school["email"], PASSWORD)
    page = client.get(f"/notify?upn={PUPIL_UPN}").get_data(as_text=True)
    assert f'value="{PUPIL_UPN}"' in page
    assert _field(page, "possible_sessions") == "20"  # 10 days x 2 sessions
    assert _field(page, "attended_sessions") == "12"
    assert _field(page, "unauthorised_absences") == "4"  # O
    assert _field(page, "authorised_absences") == "4"  # I (illness)


def test_another_schools_register_is_never_used(app, client):
    deploy_default(app)
    other = make_user(app, "school", school="100002")
    school = make_user(app, "school", school="100001")
    _post_marks(client, other, "100002", ["O"] * 10)
    sign_in(client, school["email"], PASSWORD)
    page = client.get(f"/notify?upn={PUPIL_UPN}").get_data(as_text=True)
    assert f'value="{PUPIL_UPN}"' in page
    assert _field(page, "possible_sessions") in (None, "")


def test_a_bad_upn_is_ignored(app, client):
    deploy_default(app)
    school = make_user(app, "school", school="100001")
    sign_in(client, school["email"], PASSWORD)
    response = client.get("/notify?upn=NOT-A-UPN")
    assert response.status_code == 200
    assert 'value="NOT-A-UPN"' not in response.get_data(as_text=True).split('id="main-form"')[1]
