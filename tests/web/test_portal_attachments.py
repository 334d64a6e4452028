"""Attachments on a case: allowed types by their bytes, size limits, storage, scoped downloads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from factories import deploy_default
from factories_api import api_user, csrf_from, open_case
from formpost import signed_in, text
from sqlalchemy import select

from app.attachments import Attachment, detect_type
from app.audit import AuditEvent

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
MULTIPART = "multipart/form-data"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(client: Any, case_id: int, name: str, content: bytes) -> Any:
    token = csrf_from(client.get(f"/cases/{case_id}").data)
    data = {"csrf_token": token, "file": (io.BytesIO(content), name)}
    return client.post(
        f"/cases/{case_id}/attachments", data=data, content_type="multipart/form-data"
    )


@pytest.fixture
def case_id(app: Any, client: Any) -> int:
    deploy_default(app)
    adviser = api_user(app, "adviser", email="notifier@example.test")
    return int(open_case(client, adviser)["case_id"])


def rows(app: Any, model: Any) -> list[Any]:
    with app.extensions["db_sessions"]() as session:
        return list(session.scalars(select(model).order_by(model.id)))


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (b"PK\x03\x04 not really a zip", None),
        (b"MZ\x90\x00 an executable", None),
        (b"<html><script>alert(1)</script>", None),
    ],
)
def test_types_are_read_from_the_bytes(content, kind):
    assert detect_type(content) == kind


def test_a_school_adds_a_pdf_and_downloads_it_from_outside_the_web_root(app, case_id):
    school = signed_in(app, "school", school="100001")
    response = upload(school, case_id, "../../Register extract.pdf", PDF)
    assert response.status_code == 302 and response.headers["Location"].endswith("#attachments")
    page = text(school.get(f"/cases/{case_id}"))
    assert "“Register extract.pdf” has been added" in page
    (stored,) = rows(app, Attachment)
    assert stored.filename == "Register extract.pdf" and stored.content_type == "application/pdf"
    folder = Path(app.config["INSTANCE_DIR"]) / "attachments"
    on_disk = folder / stored.storage_name
    assert on_disk.read_bytes() == PDF and "Register" not in stored.storage_name
    assert not str(on_disk).startswith(str(Path(app.static_folder)))
    download = school.get(f"/cases/{case_id}/attachments/{stored.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    (event,) = [e for e in rows(app, AuditEvent) if e.event_type == "attachment_added"]
    assert event.case_id == case_id and event.detail["sha256"] == stored.sha256
    assert "Download Register extract.pdf" in page  # the chronology links the file


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.pdf", b"MZ\x90\x00 not a pdf at all", "must be a PDF, Word document (DOCX), PNG"),
        ("photo.png", PDF, "must be a PDF, Word document (DOCX), PNG"),  # bytes and name disagree
        ("empty.pdf", b"", "The selected file is empty"),
        ("big.pdf", PDF + b"x" * 2048, "must be smaller than 2048 bytes"),
    ],
)
def test_bad_files_are_refused_with_an_error_summary(app, case_id, name, content, message):
    app.config["ATTACHMENT_MAX_BYTES"] = 2048
    adviser = signed_in(app, "adviser")
    response = upload(adviser, case_id, name, content)
    assert response.status_code == 422
    html = text(response)
    assert "<title>Error: " in html and 'href="#file"' in html and message in html
    assert rows(app, Attachment) == []
    assert not (Path(app.config["INSTANCE_DIR"]) / "attachments").exists() or not any(
        (Path(app.config["INSTANCE_DIR"]) / "attachments").iterdir()
    )


def test_a_request_over_the_size_limit_gets_a_friendly_413(app, case_id):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    adviser = signed_in(app, "adviser")
    response = upload(adviser, case_id, "huge.pdf", PDF + b"x" * 8192)
    assert response.status_code == 413
    assert "The file is too big" in text(response) and "smaller than" in text(response)


def test_other_schools_and_strangers_get_404_and_managers_may_not_add(app, client, case_id):
    owner = signed_in(app, "school", school="100001", email="owner@example.test")
    upload(owner, case_id, "letter.docx", docx_bytes())
    (stored,) = rows(app, Attachment)
    other = signed_in(app, "school", school="100002")
    assert other.get(f"/cases/{case_id}/attachments/{stored.id}").status_code == 404
    assert upload_as_stranger(other, case_id).status_code == 404
    owner_other_case = open_case(client, api_user(app, "admin"), school={"urn": "100002"})
    wrong_case = f"/cases/{owner_other_case['case_id']}/attachments/{stored.id}"
    assert signed_in(app, "adviser").get(wrong_case).status_code == 404
    manager = signed_in(app, "manager")
    assert manager.get(f"/cases/{case_id}/attachments/{stored.id}").status_code == 200
    assert "Add file" not in text(manager.get(f"/cases/{case_id}"))
    assert upload(manager, case_id, "x.pdf", PDF).status_code == 403
    assert len(rows(app, Attachment)) == 1


def upload_as_stranger(client: Any, case_id: int) -> Any:
    """Post an upload to a case the user cannot see (the CSRF token comes from the home page)."""
    token = csrf_from(client.get("/").data)
    data = {"csrf_token": token, "file": (io.BytesIO(PDF), "x.pdf")}
    return client.post(
        f"/cases/{case_id}/attachments", data=data, content_type="multipart/form-data"
    )


def test_upload_needs_the_csrf_token(app, case_id):
    adviser = signed_in(app, "adviser")
    data = {"file": (io.BytesIO(PDF), "x.pdf")}
    response = adviser.post(
        f"/cases/{case_id}/attachments", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "The form had expired" in text(response)
    assert rows(app, Attachment) == []
