"""Web sign-in and sign-out: passwords, CSRF, the home page per role, session cookie flags."""

from __future__ import annotations

from typing import Any

from factories import PASSWORD, deploy_default, make_user
from factories_api import api_user, csrf_from, open_case, sign_in

PUPILS = {"100001": ("Ada", "Lovelace"), "100002": ("Alan", "Turing")}


def cases_at_both_schools(app: Any, client: Any) -> None:
    """One open case per school, pupils named after PUPILS."""
    deploy_default(app)
    notifier = api_user(app, "adviser", email="notifier@example.test")
    for urn, (forenames, surname) in PUPILS.items():
        open_case(
            client,
            notifier,
            school={"urn": urn},
            pupil={"forenames": forenames, "surname": surname},
        )


def set_cookie_header(response: Any, name: str = "session") -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert headers, response.headers
    return headers[-1]


def test_sign_in_page_has_a_csrf_protected_form(app, client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert b'<form method="post"' in response.data and csrf_from(response.data)


def test_wrong_password_is_401_with_an_error_summary(app, client):
    user = make_user(app, "adviser")
    for email, password in ((user["email"], "wrong-password"), ("nobody@example.test", PASSWORD)):
        response = sign_in(client, email, password)
        assert response.status_code == 401
        page = response.get_data(as_text=True)
        assert 'class="error-summary"' in page and "There is a problem" in page
        assert "Enter a correct email address and password" in page
        assert f'value="{email}"' in page  # the e-mail is kept; the password never is
        assert password not in page
    assert client.get("/").status_code == 302  # still signed out


def test_sign_in_without_csrf_token_is_400(app, client):
    user = make_user(app, "adviser")
    response = client.post("/sign-in", data={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302
    forged = {"email": user["email"], "password": PASSWORD, "csrf_token": "forged"}
    assert client.post("/sign-in", data=forged).status_code == 400


def test_home_redirects_to_sign_in_when_signed_out(app, client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")


def test_school_user_sees_only_its_own_pupils(app, client):
    cases_at_both_schools(app, client)
    user = make_user(app, "school", school="100001")
    response = sign_in(client, user["email"], PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    page = client.get("/").get_data(as_text=True)
    assert "Riverside Primary School" in page and "Ada Lovelace" in page
    assert "Alan Turing" not in page and "Hillcrest" not in page


def test_adviser_sees_every_school_and_can_sign_out(app, client):
    cases_at_both_schools(app, client)
    user = make_user(app, "adviser")
    assert sign_in(client, user["email"], PASSWORD).status_code == 302
    home = client.get("/")
    page = home.get_data(as_text=True)
    assert home.status_code == 200
    assert "Ada Lovelace" in page and "Alan Turing" in page and "Sign out" in page

    signed_out = client.post("/sign-out", data={"csrf_token": csrf_from(page)})
    assert signed_out.status_code == 302
    assert signed_out.headers["Location"].endswith("/sign-in")
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/cases").status_code == 401


def test_sign_out_needs_the_csrf_token(app, client):
    user = make_user(app, "adviser")
    sign_in(client, user["email"], PASSWORD)
    assert client.post("/sign-out").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_session_cookie_is_http_only_and_same_site_lax(app, client):
    user = make_user(app, "manager")
    response = sign_in(client, user["email"], PASSWORD)
    assert response.status_code == 302
    cookie = set_cookie_header(response).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "expires=" in cookie  # a permanent session with a limited lifetime


def test_sign_in_starts_a_fresh_session(app, client):
    """Nothing from before sign-in (e.g. a planted CSRF token) survives it."""
    user = make_user(app, "adviser")
    before = csrf_from(client.get("/sign-in").data)
    sign_in(client, user["email"], PASSWORD)
    after = csrf_from(client.get("/").data)
    claim = client.post("/api/v1/tasks/1/claim", headers={"X-CSRFToken": before})
    assert claim.status_code == 401
    assert client.post("/api/v1/tasks/1/claim", headers={"X-CSRFToken": after}).status_code == 404


def test_school_timeline_hides_the_advisers_notes(app, client):
    from factories import auth, deploy_default, make_user, notify

    deploy_default(app)
    adviser = make_user(app, "adviser")
    school = make_user(app, "school", school="100001")
    case_id = notify(client, school).json["case_id"]
    task = client.get("/api/v1/tasks", headers=auth(adviser)).json["items"][0]
    client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": {"decision": "accept_monitoring", "reasons": "Private adviser note"}},
        headers=auth(adviser),
    )
    seen_by_school = client.get(f"/api/v1/cases/{case_id}", headers=auth(school)).json["timeline"]
    seen_by_adviser = client.get(f"/api/v1/cases/{case_id}", headers=auth(adviser)).json["timeline"]
    school_kinds = {e["event_type"] for e in seen_by_school}
    assert "case_started" in school_kinds and "stage_changed" in school_kinds
    assert not school_kinds & {"task_completed", "decision_made", "service_task_run"}
    assert "Private adviser note" not in str(seen_by_school)
    assert "Private adviser note" in str(seen_by_adviser)
