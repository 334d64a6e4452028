"""The advisers' upload page, its progress indicator (status JSON) and the imports API."""

from __future__ import annotations

import io

import pytest
from factories import PASSWORD, auth, make_user
from factories_api import assert_error, csrf_from, sign_in

from app.attendance.tasks import import_file
from app.forms import make_upn

UPN = make_upn(937, 2001, 15, 1)
CSV = (
    "urn,upn,pupil_surname,pupil_forename,date,session,code\n"
    f"100001,{UPN},Marsh,Ella,2026-11-23,AM,/\n"
    f"100001,{UPN},Marsh,Ella,2026-11-23,PM,N\n"
    f"100001,BADUPN,Marsh,Ella,2026-11-23,PM,N\n"
)


def _signed_in(app, client, role: str = "adviser", school: str | None = None):
    user = make_user(app, role, school=school)
    assert sign_in(client, user["email"], PASSWORD).status_code == 302
    return user


def _upload(client, data: bytes, name: str = "monday.csv", token: str | None = None):
    page = client.get("/attendance/imports")
    return client.post(
        "/attendance/imports",
        data={"csrf_token": token or csrf_from(page.data), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_an_adviser_uploads_a_file_and_follows_its_progress(app, client):
    _signed_in(app, client)
    page = client.get("/attendance/imports")
    assert page.status_code == 200
    assert (
        b'enctype="multipart/form-data"' in page.data
        and b"No files have been imported" in page.data
    )

    posted = _upload(client, CSV.encode())
    assert posted.status_code == 302
    import_id = int(posted.headers["Location"].rsplit("/", 1)[1])
    assert app.extensions["dispatched_tasks"] == [("attendance.import_file", (import_id,))]

    waiting = client.get(f"/attendance/imports/{import_id}")
    assert waiting.status_code == 200
    assert b'<progress id="import-progress" max="100" value="0">' in waiting.data
    assert f'data-status-url="/api/v1/attendance/imports/{import_id}"'.encode() in waiting.data
    assert b"import-progress.js" in waiting.data
    status = client.get(f"/api/v1/attendance/imports/{import_id}").json
    assert (status["status"], status["total_rows"], status["processed_rows"]) == ("queued", 3, 0)

    with app.app_context():
        assert import_file(import_id) == "done"  # what the worker does with the queued job
    status = client.get(f"/api/v1/attendance/imports/{import_id}").json
    assert (status["status"], status["percent"], status["inserted"]) == ("done", 100, 2)
    assert status["errors"] == [
        {"row": 4, "message": "upn is not a valid UPN (13 characters with a correct check letter)"}
    ]
    done = client.get(f"/attendance/imports/{import_id}")
    assert b"Rejected rows" in done.data and b">4</td>" in done.data
    history = client.get("/attendance/imports")
    assert b"monday.csv" in history.data and b"Adviser" in history.data
    script = client.get("/attendance/static/import-progress.js")
    assert script.status_code == 200 and b"statusUrl" in script.data


def test_a_file_without_the_required_columns_shows_an_error(app, client):
    _signed_in(app, client)
    response = _upload(client, b"urn,upn,date\n100001,X,2026-11-23\n")
    assert response.status_code == 422
    assert b"Missing column(s): session, code" in response.data
    assert b"<title>Error:" in response.data
    assert "dispatched_tasks" not in app.extensions


def test_the_upload_needs_the_csrf_token(app, client):
    _signed_in(app, client)
    response = _upload(client, CSV.encode(), token="forged")
    assert response.status_code == 400
    assert "dispatched_tasks" not in app.extensions


def test_a_large_file_is_accepted_past_the_app_wide_limit(app, client):
    _signed_in(app, client)
    line = f"100001,{UPN},Marsh,Ella,2026-11-23,AM,/\n"
    big = ("urn,upn,pupil_surname,pupil_forename,date,session,code\n" + line * 240_000).encode()
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    assert _upload(client, big).status_code == 302


@pytest.mark.parametrize(("role", "school"), [("school", "100001"), ("manager", None)])
def test_only_advisers_and_admins_import(app, client, role, school):
    _signed_in(app, client, role, school)
    assert client.get("/attendance/imports").status_code == 403
    assert _upload(client, CSV.encode()).status_code == 403


def test_signed_out_visitors_go_to_sign_in(app, client):
    response = client.get("/attendance/imports")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")


def test_the_imports_api(app, client):
    adviser = make_user(app, "adviser")
    response = client.post(
        "/api/v1/attendance/imports",
        data={"file": (io.BytesIO(CSV.encode()), "feed.csv")},
        headers=auth(adviser),
        content_type="multipart/form-data",
    )
    assert response.status_code == 202, response.json
    assert (response.json["status"], response.json["source"]) == ("queued", "api")
    listed = client.get("/api/v1/attendance/imports", headers=auth(adviser)).json
    assert [i["file_name"] for i in listed["items"]] == ["feed.csv"]
    school = make_user(app, "school", school="100001")
    assert_error(
        client.get(f"/api/v1/attendance/imports/{response.json['id']}", headers=auth(school)), 404
    )
    missing = client.post("/api/v1/attendance/imports", data={}, headers=auth(adviser))
    assert_error(missing, 422, "invalid")
