"""The studio's pages and JSON endpoints: who may use them, what they show, CSRF, downloads."""

from __future__ import annotations

import io
import re

import pytest
from case_diagrams import MODEL, case_model
from factories import PASSWORD, deploy_files, make_user
from factories_api import csrf_from, sign_in

DIAGRAM = f"{MODEL}.bpmn"


def _signed_in(app, client, role="process_owner"):
    user = make_user(app, role, email=f"{role}@example.test")
    assert sign_in(client, user["email"], PASSWORD).status_code == 302
    return user


def _token(client):
    return csrf_from(client.get("/studio/").data)


def _with_draft(app, client):
    deploy_files(app, MODEL, case_model())
    _signed_in(app, client)
    token = _token(client)
    assert (
        client.post(f"/studio/models/{MODEL}/draft", data={"csrf_token": token}).status_code == 302
    )
    return token


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/studio/")
    assert response.status_code == 302 and "/sign-in?next=/studio/" in response.location
    assert client.get("/studio/api/operators").status_code == 401


@pytest.mark.parametrize(("role", "status"), [("adviser", 403), ("manager", 403), ("admin", 200)])
def test_only_process_owners_and_admins_use_the_studio(app, client, role, status):
    deploy_files(app, MODEL, case_model())
    _signed_in(app, client, role)
    assert client.get("/studio/").status_code == status
    assert client.get(f"/studio/models/{MODEL}").status_code == status
    assert client.get("/studio/api/operators").status_code == status


def test_a_school_user_is_refused(app, client):
    make_user(app, "school", email="school@example.test", school="100001")
    assert sign_in(client, "school@example.test", PASSWORD).status_code == 302
    assert client.get("/studio/").status_code == 404  # as on every page not meant for schools


def test_the_models_page_and_version_history(app, client):
    deploy_files(app, MODEL, case_model())
    deploy_files(app, MODEL, case_model(school_plan=True))
    _signed_in(app, client)
    index = client.get("/studio/").get_data(as_text=True)
    assert f'href="/studio/models/{MODEL}"' in index
    page = client.get(f"/studio/models/{MODEL}").get_data(as_text=True)
    assert 'data-version="2"' in page and 'data-version="1"' in page
    version = client.get(f"/studio/models/{MODEL}/versions/2").get_data(as_text=True)
    assert "school_plan" in version and "added" in version  # the readable diff against v1
    download = client.get(f"/studio/models/{MODEL}/versions/1/files/{DIAGRAM}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f'attachment; filename="{DIAGRAM}"'
    assert download.data == case_model()[DIAGRAM]


def test_draft_page_upload_validate_and_deploy_through_forms(app, client):
    token = _with_draft(app, client)
    page = client.get(f"/studio/models/{MODEL}/draft").get_data(as_text=True)
    assert DIAGRAM in page and "forms/triage.schema.json" in page
    changed = case_model()[DIAGRAM].replace(b"Triage the notification", b"Triage the referral")
    upload = client.post(
        f"/studio/models/{MODEL}/draft/upload",
        data={"csrf_token": token, "file": (io.BytesIO(changed), DIAGRAM)},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    validated = client.post(f"/studio/models/{MODEL}/draft/validate", data={"csrf_token": token})
    assert "The draft is valid" in validated.get_data(as_text=True)
    assert "Triage the referral" in validated.get_data(as_text=True)  # the draft's diff
    deployed = client.post(
        f"/studio/models/{MODEL}/draft/deploy",
        data={"csrf_token": token, "note": "Rename triage", "effective_from": "2026-01-05"},
    )
    assert deployed.status_code == 302 and deployed.location.endswith(
        f"/studio/models/{MODEL}/versions/2"
    )
    history = client.get(f"/studio/models/{MODEL}").get_data(as_text=True)
    assert "Rename triage" in history and "5 Jan 2026" in history


def test_forms_without_a_csrf_token_are_refused(app, client):
    _with_draft(app, client)
    assert client.post(f"/studio/models/{MODEL}/draft/discard").status_code == 400


def test_the_file_api_round_trip_and_its_csrf_header(app, client):
    token = _with_draft(app, client)
    url = f"/studio/api/models/{MODEL}/draft/files/{DIAGRAM}"
    body = client.get(url).json
    assert body["name"] == DIAGRAM and "triage" in body["forms"]
    assert body["processes"] == [MODEL]
    assert "bpmndi:BPMNShape" in body["text"]  # a layout was generated for the modeler
    refused = client.put(url, json={"text": body["text"], "expected_version": body["version"]})
    assert refused.status_code == 400  # no X-CSRFToken header
    saved = client.put(
        url,
        json={"text": body["text"], "expected_version": body["version"]},
        headers={"X-CSRFToken": token},
    )
    assert saved.status_code == 200 and saved.json["version"] == body["version"] + 1
    stale = client.put(
        url, json={"text": "x", "expected_version": body["version"]}, headers={"X-CSRFToken": token}
    )
    assert stale.status_code == 409 and stale.json["error"] == "conflict"
    missing = client.get(f"/studio/api/models/{MODEL}/draft/files/nope.bpmn")
    assert missing.status_code == 404 and missing.json["error"] == "not_found"


def test_operators_are_listed_with_their_parameter_names(app, client):
    _signed_in(app, client)
    items = {o["name"]: o for o in client.get("/studio/api/operators").json["items"]}
    assert items["attendance.calculate"]["required"] == ["attended_sessions", "possible_sessions"]
    assert "letters.generate" in items and "calendar.add_school_weeks" in items


def test_form_preview_renders_with_the_inbox_renderer(app, client):
    _signed_in(app, client)
    token = _token(client)
    schema = '{"type": "object", "properties": {"reasons": {"type": "string", "title": "Reasons"}}}'
    ok = client.post(
        "/studio/api/forms/preview",
        json={"schema": schema, "ui": None},
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 200 and ok.json["problems"] == []
    assert 'name="reasons"' in ok.json["html"] and "Reasons" in ok.json["html"]
    bad = client.post(
        "/studio/api/forms/preview",
        json={"schema": "{", "ui": None},
        headers={"X-CSRFToken": token},
    )
    assert bad.json["html"] == "" and bad.json["problems"]


@pytest.mark.parametrize("name", [DIAGRAM, "forms/triage.schema.json"])
def test_editor_pages_load_the_vendored_bundles_not_a_cdn(app, client, name):
    _with_draft(app, client)
    page = client.get(f"/studio/models/{MODEL}/draft/edit/{name}").get_data(as_text=True)
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', page)
    if name.endswith(".bpmn"):
        assert "/static/vendor/bpmn-js/18.31.1/bpmn-modeler.production.min.js" in page
        assert 'id="studio-panel"' in page


def test_the_dmn_editor_page(app, client):
    token = _with_draft(app, client)
    from unit.engine.diagrams import dmn

    table = dmn("attendance_band", "attendance_pct", "band", [("<= 90", '"persistent"')])
    client.post(
        f"/studio/models/{MODEL}/draft/upload",
        data={"csrf_token": token, "file": (io.BytesIO(table), "band.dmn")},
        content_type="multipart/form-data",
    )
    page = client.get(f"/studio/models/{MODEL}/draft/edit/band.dmn").get_data(as_text=True)
    assert "/static/vendor/dmn-js/17.10.2/dmn-modeler.production.min.js" in page


@pytest.mark.parametrize(
    "path",
    [
        "vendor/bpmn-js/18.31.1/LICENSE",
        "vendor/bpmn-js/18.31.1/bpmn-navigated-viewer.production.min.js",
        "vendor/bpmn-js/18.31.1/assets/bpmn-font/font/bpmn.woff2",
        "vendor/dmn-js/17.10.2/LICENSE",
        "studio/spiffworkflow-moddle.json",
    ],
)
def test_the_vendored_files_are_served(client, path):
    response = client.get(f"/static/{path}")
    assert response.status_code == 200 and response.data
    response.close()


def test_migrate_and_replay_pages(app, client):
    from factories import notify

    deploy_files(app, MODEL, case_model())
    adviser = make_user(app, "adviser")
    notify(client, adviser)
    deploy_files(app, MODEL, case_model(school_plan=True))
    _signed_in(app, client)
    dry = client.get(f"/studio/models/{MODEL}/versions/2/migrate").get_data(as_text=True)
    assert 'data-verdict="as_is"' in dry and "Can move as is" in dry
    token = csrf_from(dry)
    case_id = int(dry.split('name="case" type="checkbox" value="')[1].split('"')[0])
    moved = client.post(
        f"/studio/models/{MODEL}/versions/2/migrate",
        data={"csrf_token": token, "case": str(case_id)},
    )
    assert "1 of 1 case(s) moved" in moved.get_data(as_text=True)
    replay = client.get(f"/studio/models/{MODEL}/replay?candidate=1").get_data(as_text=True)
    assert "1 case(s) replayed" in replay
    csv_text = client.get(f"/studio/models/{MODEL}/replay.csv?candidate=1").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("reference,status,version,routed_differently")


def test_a_new_model_from_scratch(app, client):
    from unit.engine.diagrams import bpmn, user_task

    _signed_in(app, client)
    token = _token(client)
    bad = client.post("/studio/models", data={"csrf_token": token, "model_id": "Not Valid"})
    assert bad.status_code == 422
    started = client.post("/studio/models", data={"csrf_token": token, "model_id": "home_visits"})
    assert started.location.endswith("/studio/models/home_visits/draft")
    assert "home_visits" in client.get("/studio/").get_data(as_text=True)  # drafts in progress
    assert "not been deployed yet" in client.get("/studio/models/home_visits").get_data(
        as_text=True
    )
    diagram = bpmn("home_visits", user_task("visit", "Visit the family"))["home_visits.bpmn"]
    client.post(
        "/studio/models/home_visits/draft/upload",
        data={"csrf_token": token, "file": (io.BytesIO(diagram), "home_visits.bpmn")},
        content_type="multipart/form-data",
    )
    deployed = client.post(
        "/studio/models/home_visits/draft/deploy",
        data={"csrf_token": token, "note": "First version"},
    )
    assert deployed.location.endswith("/studio/models/home_visits/versions/1")
    assert 'data-version="1"' in client.get("/studio/models/home_visits").get_data(as_text=True)
