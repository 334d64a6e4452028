"""Drafts: start from a version, save, validate, deploy with a note and an effective-from date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from case_diagrams import MODEL, case_model
from factories import auth, deploy_files, make_user, notify
from sqlalchemy import func, select

from app.accounts import User
from app.cases import Case
from app.core.errors import Conflict, Forbidden, Invalid
from app.core.web import transaction
from app.process_models import (
    ProcessModelDraft,
    ProcessModelVersion,
    deploy_draft,
    diff_between,
    get_draft,
    save_draft_file,
    start_draft,
    validate_draft,
)

DIAGRAM = f"{MODEL}.bpmn"
V1 = case_model()


def _as(app, user, func_, **kw):
    with app.app_context(), transaction() as session:
        return func_(session.get(User, user["id"]), **kw)


def _started(app, client):
    owner = make_user(app, "process_owner")
    deploy_files(app, MODEL, V1)
    draft = _as(app, owner, start_draft, model_id=MODEL)
    return owner, draft


def _draft(app):
    with app.app_context(), transaction():
        draft = get_draft(MODEL)
        return None if draft is None else (draft.version, dict(draft.files), draft.updated_by)


def _rename(text, new="Triage it"):
    return text.replace('name="Triage the notification"', f'name="{new}"')


def test_a_draft_starts_from_the_highest_version_with_its_forms(app, client):
    _owner, draft = _started(app, client)
    _version, files, updated_by = _draft(app)
    assert DIAGRAM in files and "forms/triage.schema.json" in files
    assert files[DIAGRAM] == V1[DIAGRAM].decode()
    assert updated_by == "Process_Owner (process_owner)"
    with app.extensions["db_sessions"]() as session:
        stored = session.get(ProcessModelDraft, draft.id)
        assert stored.based_on_version_id == session.scalar(select(ProcessModelVersion.id))


def test_saving_a_file_bumps_the_version_and_a_stale_save_is_refused(app, client):
    owner, _draft_row = _started(app, client)
    version, files, _by = _draft(app)
    text = _rename(files[DIAGRAM])
    _as(
        app,
        owner,
        save_draft_file,
        model_id=MODEL,
        name=DIAGRAM,
        text=text,
        expected_version=version,
    )
    new_version, files, _by = _draft(app)
    assert new_version == version + 1 and files[DIAGRAM] == text
    with pytest.raises(Conflict, match="Someone else saved"):
        _as(
            app,
            owner,
            save_draft_file,
            model_id=MODEL,
            name=DIAGRAM,
            text="x",
            expected_version=version,
        )


@pytest.mark.parametrize(
    "name", ["../evil.bpmn", "forms/../x.schema.json", "notes.txt", "a/b.bpmn"]
)
def test_only_model_files_can_be_saved(app, client, name):
    owner, _draft_row = _started(app, client)
    with pytest.raises(Invalid, match="cannot be part of a process model"):
        _as(app, owner, save_draft_file, model_id=MODEL, name=name, text="<x/>")


def test_a_draft_never_affects_running_or_new_cases(app, client):
    owner, _draft_row = _started(app, client)
    adviser = make_user(app, "adviser")
    _version, files, _by = _draft(app)
    _as(app, owner, save_draft_file, model_id=MODEL, name=DIAGRAM, text=_rename(files[DIAGRAM]))
    case_id = notify(client, adviser).json["case_id"]
    body = client.get(f"/api/v1/cases/{case_id}", headers=auth(adviser)).json
    assert body["active_tasks"][0]["title"] == "Triage the notification"


def test_validate_reports_problems_of_the_draft_and_its_forms(app, client):
    owner, _draft_row = _started(app, client)
    _version, files, _by = _draft(app)
    broken = files[DIAGRAM].replace('value="triage"', 'value="nope"', 1)
    _as(app, owner, save_draft_file, model_id=MODEL, name=DIAGRAM, text=broken)
    _as(
        app,
        owner,
        save_draft_file,
        model_id=MODEL,
        name="forms/extra.schema.json",
        text="{not json",
    )
    with app.app_context(), transaction():
        errors, _warnings = validate_draft(get_draft(MODEL))
    found = {(p.file, p.element_id) for p in errors}
    assert (DIAGRAM, "triage") in found
    assert ("forms/extra.schema.json", None) in found


def test_deploy_creates_an_immutable_version_with_note_and_date_and_drops_the_draft(app, client):
    owner, _draft_row = _started(app, client)
    _version, files, _by = _draft(app)
    _as(app, owner, save_draft_file, model_id=MODEL, name=DIAGRAM, text=_rename(files[DIAGRAM]))
    effective = datetime(2027, 2, 1, tzinfo=UTC)
    version = _as(
        app, owner, deploy_draft, model_id=MODEL, note="Clearer task name", effective_from=effective
    )
    assert version.version == 2
    assert _draft(app) is None
    with app.extensions["db_sessions"]() as session:
        stored = session.scalars(
            select(ProcessModelVersion).where(ProcessModelVersion.version == 2)
        ).one()
        assert (stored.note, stored.effective_from, stored.deployed_by_id) == (
            "Clearer task name",
            effective,
            owner["id"],
        )
        assert 'name="Triage it"' in stored.files[DIAGRAM]
    with app.app_context(), transaction():
        diff = diff_between(MODEL, 1, 2)
    [change] = diff.elements
    assert (change.item, change.change) == ("triage", "changed")
    assert change.details == ("name: 'Triage the notification' → 'Triage it'",)


def test_deploy_needs_a_change_note_and_a_change(app, client):
    owner, _draft_row = _started(app, client)
    with pytest.raises(Invalid, match="Say what changed"):
        _as(app, owner, deploy_draft, model_id=MODEL, note="  ")
    with pytest.raises(Conflict, match="nothing to deploy"):
        _as(app, owner, deploy_draft, model_id=MODEL, note="no change")
    assert _draft(app) is not None  # still there to work on


def test_an_invalid_draft_is_not_deployed(app, client):
    owner, _draft_row = _started(app, client)
    _version, files, _by = _draft(app)
    broken = files[DIAGRAM].replace('value="triage"', 'value="nope"', 1)
    _as(app, owner, save_draft_file, model_id=MODEL, name=DIAGRAM, text=broken)
    with pytest.raises(Invalid) as invalid:
        _as(app, owner, deploy_draft, model_id=MODEL, note="broken")
    assert any(p["element_id"] == "triage" for p in invalid.value.details["problems"])
    with app.extensions["db_sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(ProcessModelVersion)) == 1


def test_a_version_effective_in_the_future_is_used_for_new_cases_only_from_then(app, client):
    owner, _draft_row = _started(app, client)
    adviser = make_user(app, "adviser")
    _version, files, _by = _draft(app)
    _as(app, owner, save_draft_file, model_id=MODEL, name=DIAGRAM, text=_rename(files[DIAGRAM]))
    later = datetime.now(UTC) + timedelta(days=30)
    _as(app, owner, deploy_draft, model_id=MODEL, note="From next month", effective_from=later)
    case_id = notify(client, adviser).json["case_id"]
    with app.extensions["db_sessions"]() as session:
        assert session.get(Case, case_id).model_version.version == 1


def test_a_draft_of_a_form_is_used_by_the_deployed_version(app, client):
    owner, _draft_row = _started(app, client)
    _version, files, _by = _draft(app)
    schema = files["forms/triage.schema.json"].replace(
        '"title"', '"description": "New hint", "title"', 1
    )
    _as(app, owner, save_draft_file, model_id=MODEL, name="forms/triage.schema.json", text=schema)
    version = _as(app, owner, deploy_draft, model_id=MODEL, note="Form hint")
    with app.extensions["db_sessions"]() as session:
        stored = session.get(ProcessModelVersion, version.id)
        assert "New hint" in stored.files["forms/triage.schema.json"]
    with app.app_context(), transaction():
        diff = diff_between(MODEL, 1, 2)
    assert diff.form_fields and not diff.elements


def test_only_process_owners_and_admins_edit_drafts(app, client):
    deploy_files(app, MODEL, V1)
    adviser = make_user(app, "adviser")
    with pytest.raises(Forbidden):
        _as(app, adviser, start_draft, model_id=MODEL)
    admin = make_user(app, "admin")
    assert _as(app, admin, start_draft, model_id=MODEL).model_id == MODEL
