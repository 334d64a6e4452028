"""Documents API (metadata, download with the case's access rules) and letter-template editing."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from factories import auth, deploy_default
from factories_api import api_user, assert_error, open_case

import service_tasks
from app.core.web import transaction
from app.documents.tasks import render_pdf

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def setup(app, client, tmp_path) -> dict[str, Any]:
    folder = tmp_path / "letters"
    shutil.copytree(ROOT / "letters", folder)
    app.config["LETTERS_DIR"] = str(folder)
    deploy_default(app)
    adviser = api_user(app, "adviser")
    case = open_case(client, adviser, school={"urn": "100001"})
    with app.app_context(), transaction():
        made = service_tasks.call(
            "letters.generate",
            {
                "template": "D4",
                "case_reference": case["reference"],
                "recipients": ["Jamie Marsh"],
                "data": {"monitoring_start": "2026-11-23"},
            },
        )
    return {
        "adviser": adviser,
        "case": case,
        "document_id": made["documents"][0]["id"],
        "letters": folder,
    }


def test_metadata_and_download_follow_the_case_access_rules(app, client, setup):
    document_id = setup["document_id"]
    url = f"/api/v1/documents/{document_id}"
    school_a = api_user(app, "school", school="100001")
    school_b = api_user(app, "school", school="100002")

    meta = client.get(url, headers=auth(setup["adviser"]))
    assert meta.status_code == 200
    body = meta.json
    assert body["case_id"] == setup["case"]["case_id"]
    assert (body["template"], body["template_revision"], body["file_status"]) == (
        "D4",
        1,
        "pending",
    )
    assert body["templates_used"] == {"D4": 1, "_letter": 1} and len(body["data_hash"]) == 64
    assert body["download_url"] == f"{url}/download" and body["file_type"] == "html"

    early = client.get(f"{url}/download", headers=auth(school_a))  # no PDF yet: the HTML
    assert early.status_code == 200 and early.mimetype == "text/html"
    assert "attachment" in early.headers["Content-Disposition"]
    assert "sandbox" in early.headers["Content-Security-Policy"]
    assert b"Dear Jamie Marsh" in early.data
    assert_error(client.get(f"{url}/download?format=pdf", headers=auth(school_a)), 404)

    with app.app_context():
        assert render_pdf(document_id) == "ready"
    pdf = client.get(f"{url}/download", headers=auth(school_a))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    reference = setup["case"]["reference"]
    assert f"filename={reference}-D4-{document_id}.pdf" in pdf.headers["Content-Disposition"]
    assert client.get(url, headers=auth(school_a)).json["file_type"] == "pdf"
    html = client.get(f"{url}/download?format=html", headers=auth(setup["adviser"]))
    assert html.mimetype == "text/html"

    for response in (
        client.get(url, headers=auth(school_b)),
        client.get(f"{url}/download", headers=auth(school_b)),
    ):
        assert_error(response, 404, "not_found")  # another school's letter does not exist
    assert_error(client.get(url), 401)
    assert_error(client.get("/api/v1/documents/999999", headers=auth(setup["adviser"])), 404)
    bad = client.get(f"{url}/download?format=exe", headers=auth(setup["adviser"]))
    assert_error(bad, 422, "invalid")


def test_process_owners_edit_templates_through_the_api(app, client, setup):
    owner = api_user(app, "process_owner")
    listing = client.get("/api/v1/letter-templates", headers=auth(owner))
    assert listing.status_code == 200
    names = {item["name"]: item for item in listing.json["items"]}
    assert {"D4", "D5", "D6", "D8", "D9", "D10", "D11", "D13", "_letter"} <= set(names)
    assert names["D4"]["title"] == "Monitoring letter"

    current = client.get("/api/v1/letter-templates/D4", headers=auth(owner)).json
    assert current["version"] == 1 and "{% extends" in current["content"]
    edited = current["content"].replace("ten school weeks", "ten school weeks, starting now")
    saved = client.put(
        "/api/v1/letter-templates/D4",
        json={"content": edited, "note": "clearer start"},
        headers=auth(owner),
    )
    assert saved.status_code == 201, saved.json
    assert (saved.json["version"], saved.json["created_by"]) == (
        2,
        "Process_Owner process_owner@example.test (process_owner)",
    )
    again = client.put("/api/v1/letter-templates/D4", json={"content": edited}, headers=auth(owner))
    assert again.status_code == 200 and again.json["created"] is False

    history = client.get("/api/v1/letter-templates/D4", headers=auth(owner)).json
    assert [v["version"] for v in history["versions"]] == [2, 1]
    assert (
        history["versions"][0]["note"] == "clearer start"
        and history["versions"][0]["source"] == "api"
    )
    first = client.get("/api/v1/letter-templates/D4/versions/1", headers=auth(owner)).json
    assert "starting now" not in first["content"]

    # The document generated before the edit still names version 1.
    meta = client.get(f"/api/v1/documents/{setup['document_id']}", headers=auth(setup["adviser"]))
    assert meta.json["template_revision"] == 1


def test_unknown_placeholders_and_sandbox_escapes_are_422(app, client, setup):
    owner = api_user(app, "process_owner")
    response = client.put(
        "/api/v1/letter-templates/D4",
        json={"content": "<p>{{ data.monitoring_strat }} {{ pupil }}</p>"},
        headers=auth(owner),
    )
    body = assert_error(response, 422, "invalid")
    assert body["unknown_placeholders"] == ["data.monitoring_strat", "pupil"]
    assert any("data.monitoring_strat" in m for m in body["errors"]["content"])
    for attack in (
        "{{ x.__class__.__mro__ }}",
        "{{ ''.__class__ }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{% endfor %}",
    ):
        refused = client.put(
            "/api/v1/letter-templates/D13", json={"content": attack}, headers=auth(owner)
        )
        assert_error(refused, 422, "invalid")
    assert client.get("/api/v1/letter-templates/D13", headers=auth(owner)).json["version"] == 1


def test_word_templates_upload_as_docx(app, client, setup):
    from docx import Document as WordDocument

    owner = api_user(app, "process_owner")
    word = WordDocument()
    word.add_paragraph("Dear {{ recipient }}, about {{ case.pupil_name }}.")
    buffer = io.BytesIO()
    word.save(buffer)
    response = client.put(
        "/api/v1/letter-templates/D13",
        data={"file": (io.BytesIO(buffer.getvalue()), "closure.docx"), "note": "Word"},
        headers=auth(owner),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert (response.json["format"], response.json["version"]) == ("docx", 2)
    download = client.get("/api/v1/letter-templates/D13/versions/2", headers=auth(owner))
    assert download.data == buffer.getvalue()


@pytest.mark.parametrize(("role", "status"), [("adviser", 403), ("school", 403), ("manager", 403)])
def test_only_process_owners_and_admins_edit_templates(app, client, setup, role, status):
    user = api_user(app, role, school="100001" if role == "school" else None)
    response = client.put(
        "/api/v1/letter-templates/D4", json={"content": "<p>x</p>"}, headers=auth(user)
    )
    assert_error(response, status, "forbidden")
    readable = client.get("/api/v1/letter-templates", headers=auth(user))
    assert readable.status_code == (403 if role == "school" else 200)


def test_documents_listed_on_the_case(app, client, setup):
    body = client.get(f"/api/v1/cases/{setup['case']['case_id']}", headers=auth(setup["adviser"]))
    assert [d["id"] for d in body.json["documents"]] == [setup["document_id"]]
