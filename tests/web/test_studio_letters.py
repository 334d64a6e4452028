"""The studio's letter-template pages: list, edit (a new version each save), preview from a case."""

from __future__ import annotations

import html

import pytest
from factories import PASSWORD, deploy_default, make_user, notify
from factories_api import csrf_from, sign_in
from markupsafe import escape

from app.core.web import reading
from app.documents.letter_templates import latest_version

NAME = "D13"


def _signed_in(app, client, role="process_owner"):
    user = make_user(app, role, email=f"{role}@example.test")
    assert sign_in(client, user["email"], PASSWORD).status_code == 302
    return user


def _latest(app, name=NAME):
    with app.app_context(), reading():
        found = latest_version(name)
        return (found.version, found.content) if found else None


def _page(client, name=NAME):
    response = client.get(f"/studio/letters/{name}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_list_page_and_the_index_link(app, client):
    _signed_in(app, client)
    assert 'href="/studio/letters"' in client.get("/studio/").get_data(as_text=True)
    page = client.get("/studio/letters")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'href="/studio/letters/{NAME}"' in text and "Closure letter" in text


@pytest.mark.parametrize(("role", "status"), [("adviser", 403), ("manager", 403)])
def test_staff_other_than_process_owners_are_refused(app, client, role, status):
    _signed_in(app, client, role)
    assert client.get("/studio/letters").status_code == status
    assert client.get(f"/studio/letters/{NAME}").status_code == status


def test_a_school_user_is_told_nothing_exists(app, client):
    make_user(app, "school", email="school@example.test", school="100001")
    assert sign_in(client, "school@example.test", PASSWORD).status_code == 302
    assert client.get("/studio/letters").status_code == 404
    assert client.get(f"/studio/letters/{NAME}").status_code == 404


def test_save_creates_a_new_version(app, client):
    _signed_in(app, client)
    page = _page(client)
    before, content = _latest(app)
    assert str(escape(content)) in page
    changed = content.replace("</", "<p>With thanks.</p></", 1)
    response = client.post(
        f"/studio/letters/{NAME}",
        data={"csrf_token": csrf_from(page), "content": changed, "note": "thanks"},
    )
    assert response.status_code == 302 and response.location.endswith(f"/studio/letters/{NAME}")
    assert _latest(app) == (before + 1, changed)
    after = client.get(response.location).get_data(as_text=True)
    assert f"saved as version {before + 1}" in after and f'data-version="{before + 1}"' in after


def test_a_save_without_the_csrf_token_is_refused(app, client):
    _signed_in(app, client)
    before = _latest(app)
    response = client.post(f"/studio/letters/{NAME}", data={"content": "<p>x</p>"})
    assert response.status_code == 400
    assert _latest(app) == before


@pytest.mark.parametrize(
    ("typed", "listed"),
    [
        ("<p>Dear {{ case.pupil_nmae }}</p>", "case.pupil_nmae"),
        ("<p>{{ ''.__class__.__mro__ }}</p>", "__class__"),
    ],
)
def test_a_bad_template_is_refused_and_nothing_saved(app, client, typed, listed):
    _signed_in(app, client)
    page = _page(client)
    before = _latest(app)
    response = client.post(
        f"/studio/letters/{NAME}", data={"csrf_token": csrf_from(page), "content": typed}
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "govuk-error-summary" in text and listed in text
    assert str(escape(typed)) in text  # the typed text is kept
    assert _latest(app) == before


def test_preview_renders_a_real_case_without_saving(app, client):
    deploy_default(app)
    school = make_user(app, "school", school="100001")
    created = notify(client, school)
    assert created.status_code == 201, created.json
    reference = created.json["reference"]
    _signed_in(app, client)
    page = _page(client)
    before, content = _latest(app)
    typed = content.replace("</", "<p>Preview marker for {{ case.pupil_name }}.</p></", 1)
    response = client.post(
        f"/studio/letters/{NAME}/preview",
        data={"csrf_token": csrf_from(page), "content": typed, "case": reference},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    frame = text.split("<iframe", 1)[1].split("</iframe>", 1)[0]
    assert 'sandbox=""' in frame and "srcdoc=" in frame
    assert "Preview marker for Jamie Alex Testpupil." in html.unescape(frame)
    assert "<p>Preview marker" not in frame  # the letter's markup is escaped into srcdoc
    assert _latest(app) == (before, content)


def test_preview_of_an_unknown_case_or_bad_template_shows_errors(app, client):
    _signed_in(app, client)
    page = _page(client)
    token = csrf_from(page)
    _before, content = _latest(app)
    missing = client.post(
        f"/studio/letters/{NAME}/preview",
        data={"csrf_token": token, "content": content, "case": "ATT-1999-000001"},
    )
    assert missing.status_code == 422 and "No case" in missing.get_data(as_text=True)
    escape = client.post(
        f"/studio/letters/{NAME}/preview",
        data={"csrf_token": token, "content": "{{ ''.__class__.__mro__ }}", "case": "1"},
    )
    assert escape.status_code == 422 and "<iframe" not in escape.get_data(as_text=True)
