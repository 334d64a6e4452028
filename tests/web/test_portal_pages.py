"""Every page's frame: branding, sign-in redirects, idle timeout, error pages, the case page."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from factories import PASSWORD, deploy_default, make_user
from factories_api import api_user, case_task, complete, csrf_from, open_case, sign_in
from formpost import signed_in, text

from app.core.web import transaction
from app.web import charts, presenters

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"


def test_pages_are_council_branded_with_the_vendored_govuk_frontend(app, client):
    page = text(client.get("/sign-in"))
    assert "Riverside County Council" in page and "govuk-generic-header" in page
    assert "/static/vendor/govuk-frontend/6.6.0/govuk-frontend.min.css" in page
    assert "govuk-frontend.min.js" in page and 'class="govuk-template"' in page
    assert "govuk-logo" not in page and "crown" not in page.lower() and "GOV.UK" not in page
    for name in ("govuk-frontend.min.css", "govuk-frontend.min.js", "LICENSE"):
        assert (STATIC / "vendor" / "govuk-frontend" / "6.6.0" / name).is_file()
        assert client.get(f"/static/vendor/govuk-frontend/6.6.0/{name}").status_code == 200
    vendored = list((STATIC / "vendor" / "govuk-frontend").rglob("*"))
    assert not [p for p in vendored if p.suffix in (".woff", ".woff2") or "crest" in p.name]
    site_css = (STATIC / "site.css").read_text()
    assert "font-family: Arial" in site_css and "GDS Transport" in site_css  # overridden


def test_signed_out_pages_send_you_to_sign_in_and_back(app, client):
    deploy_default(app)
    user = make_user(app, "adviser")
    for path in ("/inbox", "/cases/1", "/notify", "/tasks/1"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/sign-in?next={path}"
    token = csrf_from(client.get("/sign-in").data)
    form = {"email": user["email"], "password": PASSWORD, "csrf_token": token}
    back = client.post("/sign-in?next=/cases", data=form)
    assert back.headers["Location"] == "/cases"
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").data)})
    token = csrf_from(client.get("/sign-in").data)
    form["csrf_token"] = token
    offsite = client.post("/sign-in?next=//evil.example/x", data=form)
    assert offsite.headers["Location"] == "/"


def test_an_idle_session_times_out(app):
    app.config["SESSION_IDLE_MINUTES"] = 30
    adviser = signed_in(app, "adviser")
    assert adviser.get("/inbox").status_code == 200
    with adviser.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 31 * 60
    response = adviser.get("/inbox")
    assert response.status_code == 302 and "timeout=1" in response.headers["Location"]
    page = text(adviser.get(response.headers["Location"]))
    assert "You were signed out because you had not done anything for 30 minutes" in page
    assert adviser.get("/inbox").status_code == 302
    assert adviser.get("/api/v1/cases").status_code == 401  # the API session is gone too


def test_activity_keeps_the_session_alive(app):
    adviser = signed_in(app, "adviser")
    with adviser.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 29 * 60
    assert adviser.get("/inbox").status_code == 200
    with adviser.session_transaction() as session:
        assert int(time.time()) - session["seen_at"] < 5


def test_error_pages_are_friendly_and_the_api_keeps_json(app, client):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Page not found" in text(missing)
    assert "<!DOCTYPE html>" in text(missing)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.is_json and api.json["error"] == "not_found"
    assert client.post("/sign-in").status_code == 400  # no CSRF token
    assert "The form had expired" in text(client.post("/sign-in"))
    assert client.put("/sign-in").status_code == 405
    owner = signed_in(app, "process_owner")
    forbidden = owner.get("/inbox")
    assert forbidden.status_code == 403
    assert "<title>You do not have access" in text(forbidden)


def test_the_case_page_shows_pupil_parents_flags_tasks_chart_and_chronology(app, client):
    deploy_default(app)
    notifier = api_user(app, "adviser", email="notifier@example.test")
    flags = {"early_help": True, "free_school_meals": True, "young_carer": False}
    created = open_case(client, notifier, flags=flags)
    task = case_task(client, notifier, created["case_id"])
    adviser = signed_in(app, "adviser")
    html = text(adviser.get(f"/cases/{created['case_id']}"))
    assert "Jamie Alex Testpupil" in html and "(known as Jay)" in html and "14 May 2016" in html
    assert "Sam Testparent" in html and "has parental responsibility" in html
    flags_html = html[html.index('id="flags"') :].split("</ul>")[0]
    assert "Early Help assessment or plan" in flags_html
    assert "Eligible for free school meals" in flags_html and "Young carer" not in flags_html
    assert f'href="/tasks/{task["id"]}"' in html
    assert "<svg" in html and "90% expected" in html and "50% severe absence" in html
    assert "96 sessions attended out of 120" in html and "80.0%" in html
    assert "Notification received; case" in html  # the chronology, from the audit log
    complete(client, notifier, task["id"])
    html = text(adviser.get(f"/cases/{created['case_id']}"))
    assert "Gateway" in html and "Path taken: start_monitoring" in html
    assert html.index("Stage changed") < html.index("Notification received")  # newest first


def test_the_school_sees_its_case_without_the_advisers_notes(app, client):
    deploy_default(app)
    notifier = api_user(app, "adviser", email="notifier@example.test")
    created = open_case(client, notifier)
    task = case_task(client, notifier, created["case_id"])
    complete(client, notifier, task["id"], {"decision": "accept_monitoring", "reasons": "Secret"})
    school = signed_in(app, "school", school="100001")
    html = text(school.get(f"/cases/{created['case_id']}"))
    assert "Jamie Alex Testpupil" in html and "Stage changed from triage to monitoring" in html
    assert "Secret" not in html and "Gateway" not in html


def test_letters_are_listed_with_a_scoped_download_link(app, client):
    from app.documents import Document

    deploy_default(app)
    notifier = api_user(app, "adviser", email="notifier@example.test")
    created = open_case(client, notifier)
    with app.app_context(), transaction() as session:
        document = Document(
            case_id=created["case_id"],
            template="D4",
            template_version="0" * 64,
            recipient="Sam Testparent",
            data_hash="0" * 64,
            html="<p>Dear Sam</p>",
        )
        session.add(document)
        session.flush()
        document_id = document.id
    html = text(signed_in(app, "adviser").get(f"/cases/{created['case_id']}"))
    link = f'href="/api/v1/documents/{document_id}/download"'
    assert link in html and "Letter D4 to Sam Testparent" in html
    if "documents_api.download_document" not in app.view_functions:
        pytest.skip("the documents feature does not serve downloads yet")
    owner = signed_in(app, "school", school="100001", email="own@example.test")
    assert owner.get(f"/api/v1/documents/{document_id}/download").status_code == 200
    other = signed_in(app, "school", school="100002", email="other@example.test")
    assert other.get(f"/api/v1/documents/{document_id}/download").status_code == 404


def test_weekly_points_and_the_chart_geometry():
    monday = date(2026, 1, 5)
    marks = [(monday + timedelta(days=d), s, "/") for d in range(5) for s in ("AM", "PM")]
    marks += [(monday + timedelta(days=7 + d), s, "N") for d in range(3) for s in ("AM", "PM")]
    marks += [(monday + timedelta(days=10), "AM", "/"), (monday + timedelta(days=10), "PM", "#")]
    points = charts.weekly_points(marks)
    assert [(p.label, p.present, p.possible, p.pct) for p in points] == [
        ("5 Jan", 10, 10, 100.0),
        ("12 Jan", 1, 7, 14.3),
    ]
    chart = charts.build_chart(points, "marks")
    assert [b.tone for b in chart.bars] == ["good", "severe"]
    assert chart.bars[0].height > chart.bars[1].height > 0
    (ninety, _), (fifty, _) = chart.lines
    assert ninety < fifty  # higher on the page
    assert charts.build_chart([], "none") is None
    assert charts.notification_point({"possible_sessions": 0, "attended_sessions": 0}) == []


def test_plain_words_for_schools_and_the_chronology():
    def case(stage: str, status: str = "open") -> Any:
        return SimpleNamespace(stage=stage, status=status)

    busy = SimpleNamespace(open_roles=frozenset({"adviser"}), claimed=True)
    waiting = SimpleNamespace(open_roles=frozenset({"school"}), claimed=False)
    assert presenters.school_status(case("triage"), None)[0] == "Received"
    assert presenters.school_status(case("triage"), busy)[0] == "Being triaged"
    assert presenters.school_status(case("triage"), waiting)[0].startswith("Returned to you")
    assert presenters.school_status(case("contract"), busy)[0] == "Attendance contract"
    assert presenters.school_status(case("closed", "closed"), None)[0] == "Closed"
    event = SimpleNamespace(
        at=datetime(2026, 7, 1, 8, 5, tzinfo=UTC),
        actor_label="system",
        summary="Decision 'Pathway': rule(s) 3 fired",
        event_type="decision_made",
        detail={"kind": "dmn", "rules": [{"row": 3, "description": "Below 50%: contract"}]},
    )
    (entry,) = presenters.timeline_entries([event], {})
    assert entry.details == ["Rule 3: Below 50%: contract"]
    assert presenters.format_moment(event.at) == "1 July 2026, 9:05am"  # British Summer Time
    assert presenters.age_text(event.at - timedelta(days=3), event.at) == "3 days"
    assert re.fullmatch(r"\d+ KB", presenters.file_size(2048))


def test_the_school_cannot_sign_in_to_someone_elses_school_by_url(app, client):
    deploy_default(app)
    user = make_user(app, "school", school="100002")
    assert sign_in(client, user["email"], PASSWORD).status_code == 302
    assert client.get("/cases/1").status_code == 404


def test_every_web_form_post_needs_the_csrf_token(app):
    adviser = signed_in(app, "admin")
    posts = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("web.") and "POST" in (rule.methods or set())
    ]
    assert len(posts) >= 9
    for rule in posts:
        path = rule.rule.replace("<int:", "<").replace("<", "").replace(">", "")
        path = re.sub(r"(case_id|task_id|draft_id|attachment_id)", "1", path)
        response = adviser.post(path, data={"anything": "x"})
        assert response.status_code == 400, rule.rule
        assert "The form had expired" in text(response)


def test_the_chart_uses_stored_register_marks_when_there_are_some(app, client):
    from app.attendance import AttendanceMark

    deploy_default(app)
    notifier = api_user(app, "adviser", email="notifier@example.test")
    created = open_case(client, notifier)
    upn = client.get(
        f"/api/v1/cases/{created['case_id']}",
        headers={"Authorization": f"Bearer {notifier['token']}"},
    ).json["pupil_upn"]
    with app.app_context(), transaction() as session:
        for offset, code in enumerate(["/", "/", "/", "/", "/", "N", "N", "/", "N", "N"]):
            day = date(2025, 9, 8) + timedelta(days=offset // 2 + (7 if offset >= 5 else 0))
            session.add(
                AttendanceMark(
                    urn="100001", upn=upn, date=day, session="AM" if offset % 2 else "PM", code=code
                )
            )
    html = text(signed_in(app, "adviser").get(f"/cases/{created['case_id']}"))
    assert "Attendance by school week" in html and "the school&#39;s register marks" in html
    assert ">8 Sep<" in html and ">15 Sep<" in html
    assert "app-chart__bar--good" in html and "app-chart__bar--severe" in html
