"""The school portal: home page in plain words, the intake form, drafts, cross-school 404s."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from factories import auth, deploy_default, valid_notification
from factories_api import api_user, case_task, csrf_from, deploy_school_lane_variant, open_case
from formpost import error_summary, field_names, form_fields, post_form, signed_in, text

from app.forms import load_form
from app.forms.renderer import render_form


def notification_post(app: Any, data: dict[str, Any], readonly: tuple[str, ...] = ("school",)):
    """What a browser posts for ``data`` on the intake form (the school part is fixed)."""
    form = load_form(Path(app.config["FORMS_DIR"]), "notification")
    return form_fields(render_form(form, data, readonly=frozenset(readonly)).fields, None)


def send(client: Any, data: Any, action: str = "submit", url: str = "/notify") -> Any:
    page = client.get(url)
    assert page.status_code == 200
    data = data.copy()
    data["csrf_token"] = csrf_from(page.data)
    data["_action"] = action
    return client.post(url, data=data)


def test_school_home_shows_status_in_plain_words_and_the_notify_button(app, client):
    deploy_default(app)
    adviser = api_user(app, "adviser", email="a@example.test")
    first = open_case(client, adviser, pupil={"forenames": "Ada", "surname": "One"})
    second = open_case(client, adviser, pupil={"forenames": "Bea", "surname": "Two"})
    open_case(client, adviser, school={"urn": "100002"}, pupil={"surname": "Elsewhere"})
    client.post(f"/api/v1/tasks/{case_task(client, adviser, second['case_id'])['id']}/claim",
                headers=auth(adviser))  # fmt: skip
    school = signed_in(app, "school", school="100001")
    page = text(school.get("/"))
    assert "Notify the attendance service" in page and 'href="/notify"' in page
    assert first["reference"] in page and second["reference"] in page
    assert "Elsewhere" not in page and "Hillcrest" not in page
    rows = dict(re.findall(r">(ATT-\d{4}-\d{6})<.*?govuk-tag[^>]*>([^<]+)<", page, re.S))
    assert rows == {first["reference"]: "Received", second["reference"]: "Being triaged"}


def test_school_home_lists_tasks_waiting_for_the_school_with_the_advisers_words(app, client):
    deploy_default(app)
    deploy_school_lane_variant(app)
    adviser = api_user(app, "adviser", email="a@example.test")
    created = open_case(client, adviser)
    school = signed_in(app, "school", school="100001")
    page = text(school.get("/"))
    task = case_task(client, adviser, created["case_id"])
    assert f'href="/tasks/{task["id"]}"' in page and "Triage the notification" in page
    assert "Returned to you" in page  # a task waits for the school: action needed


def test_notify_page_is_prefilled_and_the_school_cannot_be_changed(app):
    deploy_default(app)
    school = signed_in(app, "school", school="100001")
    page = school.get("/notify")
    assert page.status_code == 200
    html = text(page)
    assert "<title>Notification of Attendance Intervention" in html
    assert "Riverside Primary School" in html and "100001" in html
    names = field_names(page.data)
    assert "school.urn" not in names and "referrer.name" in names
    assert 'value="School"' in html  # referrer name from the signed-in user
    for name in ("pupil.date_of_birth[day]", "parents.0.full_name", "parents[items]"):
        assert name in names


def test_submitting_a_notification_starts_a_case_and_shows_its_reference(app):
    deploy_default(app)
    school = signed_in(app, "school", school="100001")
    data = valid_notification(school={"urn": "100002", "name": "Someone else's school"})
    response = send(school, notification_post(app, data, readonly=()))
    assert response.status_code == 302 and "/notify/sent/" in response.headers["Location"]
    confirmation = text(school.get(response.headers["Location"]))
    reference = re.search(r'id="case-reference">([^<]+)<', confirmation).group(1)
    assert "Notification sent" in confirmation and reference.startswith("ATT-")
    home = text(school.get("/"))
    assert reference in home and "Jamie Alex Testpupil" in home and "Received" in home
    cases = school.get("/api/v1/cases").json["items"]
    assert [c["school"]["urn"] for c in cases] == ["100001"]  # the posted URN was ignored


def test_errors_show_a_summary_linked_to_each_field_and_keep_everything_typed(app):
    deploy_default(app)
    school = signed_in(app, "school", school="100001")
    data = valid_notification(pupil={"surname": "", "upn": "not a upn"})
    post = notification_post(app, data)
    post["pupil.date_of_birth[day]"] = "31"
    post["pupil.date_of_birth[month]"] = "2"
    post["attendance.possible_sessions"] = "lots"
    response = send(school, post)
    assert response.status_code == 422
    html = text(response)
    assert "<title>Error: " in html
    summary = error_summary(html)
    assert '<a href="#pupil-surname">Enter Surname</a>' in summary
    assert 'href="#pupil-date_of_birth-day"' in summary
    assert 'href="#pupil-upn">UPN is not a valid unique pupil number' in summary
    assert (
        'href="#attendance-possible_sessions">Possible sessions must be a whole number' in summary
    )
    assert 'id="pupil-surname"' in html and "govuk-input--error" in html
    kept = form_fields(response.data)
    assert kept["pupil.upn"] == "NOTAUPN" and kept["attendance.possible_sessions"] == "lots"
    assert kept["pupil.date_of_birth[day]"] == "31" and kept["pupil.date_of_birth[month]"] == "2"
    assert (
        kept["pupil.forenames"] == "Jamie Alex" and kept["parents.0.full_name"] == "Sam Testparent"
    )
    assert school.get("/api/v1/cases").json["total"] == 0


def test_add_another_parent_and_remove_keep_what_was_typed(app):
    deploy_default(app)
    school = signed_in(app, "school", school="100001")
    page = school.get("/notify")
    added = post_form(school, "/notify", page.data, {"pupil.surname": "Kept"}, "add:parents")
    assert added.status_code == 200 and "Parent or carer 2" in text(added)
    fields = form_fields(added.data)
    assert fields["parents[items]"] == "2" and fields["pupil.surname"] == "Kept"
    changes = {"parents.0.full_name": "First Parent", "parents.1.full_name": "Second Parent"}
    again = post_form(school, "/notify", added.data, changes, "add:parents")
    assert form_fields(again.data)["parents[items]"] == "3"
    removed = post_form(school, "/notify", again.data, {}, "remove:parents.0")
    kept = form_fields(removed.data)
    assert kept["parents[items]"] == "2" and kept["parents.0.full_name"] == "Second Parent"
    assert "Remove<span" in text(removed)


def test_two_parents_through_the_add_button_reach_the_case(app):
    deploy_default(app)
    school = signed_in(app, "school", school="100001")
    data = valid_notification()
    post = notification_post(app, data)
    page = send(school, post, action="add:parents")
    post = form_fields(page.data)
    post["parents.1.full_name"] = "Robin Testparent"
    post["parents.1.relationship"] = "Father"
    post["parents.1.parental_responsibility"] = "true"
    post["_action"] = "submit"
    response = school.post("/notify", data=post)
    assert response.status_code == 302, text(response)[:2000]
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    case_page = text(school.get(f"/cases/{case_id}"))
    assert "Sam Testparent" in case_page and "Robin Testparent" in case_page


def test_save_as_draft_then_resume_from_the_home_page_and_send(app):
    deploy_default(app)
    school = signed_in(app, "school", school="100001")
    post = notification_post(app, valid_notification(pupil={"surname": "Draftpupil"}))
    del post["declarations.unauthorised_considered"]
    saved = send(school, post, action="save")
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/")
    home = text(school.get("/"))
    assert "has been saved" in home and "Jamie Alex Draftpupil" in home
    resume = re.search(r'href="(/notify\?draft=\d+)"', home).group(1)
    page = school.get(resume)
    fields = form_fields(page.data)
    assert fields["pupil.surname"] == "Draftpupil"
    assert "declarations.unauthorised_considered" not in fields
    sent = post_form(school, resume, page.data, {"declarations.unauthorised_considered": "true"})
    assert sent.status_code == 302
    home = text(school.get("/"))
    assert "Saved notifications" not in home and "Draftpupil" in home


def test_drafts_are_private_to_their_author(app):
    deploy_default(app)
    author = signed_in(app, "school", school="100001", email="author@example.test")
    send(author, notification_post(app, valid_notification()), action="save")
    draft = re.search(r"/notify\?draft=(\d+)", text(author.get("/"))).group(1)
    colleague = signed_in(app, "school", school="100001", email="colleague@example.test")
    assert colleague.get(f"/notify?draft={draft}").status_code == 404
    token = csrf_from(colleague.get("/").data)
    assert colleague.post(f"/drafts/{draft}/delete", data={"csrf_token": token}).status_code == 404
    token = csrf_from(author.get("/").data)
    deleted = author.post(f"/drafts/{draft}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302 and "draft=" not in text(author.get("/"))


def test_a_school_user_gets_404_for_everything_outside_its_school(app, client):
    deploy_default(app)
    deploy_school_lane_variant(app)
    adviser = api_user(app, "adviser", email="a@example.test")
    other = open_case(client, adviser, school={"urn": "100002"})
    other_task = case_task(client, adviser, other["case_id"])
    school = signed_in(app, "school", school="100001")
    for path in (
        f"/cases/{other['case_id']}",
        f"/tasks/{other_task['id']}",
        f"/notify/sent/{other['case_id']}",
        "/inbox",
        "/cases",
        "/cases/999999",
        "/no-such-page",
    ):
        response = school.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in text(response)
    token = csrf_from(school.get("/").data)
    claim = school.post(f"/tasks/{other_task['id']}/claim", data={"csrf_token": token})
    assert claim.status_code == 404


def test_school_task_is_rendered_with_its_form_and_completed(app, client):
    deploy_default(app)
    deploy_school_lane_variant(app)  # the placeholder triage task sits in the School lane
    adviser = api_user(app, "adviser", email="a@example.test")
    created = open_case(client, adviser)
    task = case_task(client, adviser, created["case_id"])
    school = signed_in(app, "school", school="100001")
    page = school.get(f"/tasks/{task['id']}")
    assert page.status_code == 200 and "Triage decision" in text(page)
    invalid = post_form(school, f"/tasks/{task['id']}", page.data, {"reasons": "Typed"})
    assert invalid.status_code == 422 and '<a href="#decision">Select Triage decision' in text(
        invalid
    )
    assert form_fields(invalid.data)["reasons"] == "Typed"
    done = post_form(
        school, f"/tasks/{task['id']}", invalid.data, {"decision": "accept_monitoring"}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/cases/{created['case_id']}"
    )
    assert "Monitoring" in text(school.get(done.headers["Location"]))


def test_advisers_may_notify_for_any_school_and_managers_may_not(app):
    deploy_default(app)
    adviser = signed_in(app, "adviser")
    names = field_names(adviser.get("/notify").data)
    assert "school.urn" in names  # not fixed for council staff
    data = valid_notification(school={"urn": "100002", "name": "Hillcrest Academy"})
    response = send(adviser, notification_post(app, data, readonly=()))
    assert response.status_code == 302
    assert "Hillcrest Academy" in text(adviser.get(response.headers["Location"].replace(
        "/notify/sent/", "/cases/"
    )))  # fmt: skip
    manager = signed_in(app, "manager")
    assert manager.get("/notify").status_code == 403
