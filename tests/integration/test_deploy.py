"""Deploying process models: immutable versions, pinned cases, validation that writes nothing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from case_diagrams import MODEL, case_model
from click.testing import CliRunner
from factories import ROOT, auth, deploy_files, make_user, notify
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from app.accounts import User
from app.audit import AuditEvent
from app.cases import Case, Task
from app.cli import main
from app.core.errors import Invalid
from app.core.web import transaction
from app.engine import SERIALIZER_VERSION, compile_model
from app.forms import form_file_names
from app.process_models import deploy_directory, deploy_model
from app.process_models.models import ProcessModelVersion
from app.process_models.services import build_catalog

BPMN_DIR = ROOT / "bpmn"
FORMS_DIR = ROOT / "forms"
V1 = case_model()
V2 = case_model(school_plan=True)  # puts a school task between an accepted triage and monitoring
DIAGRAM = V1[f"{MODEL}.bpmn"]


def _count(app, model) -> int:
    with app.extensions["db_sessions"]() as session:
        return session.scalar(select(func.count()).select_from(model))


def _versions(app) -> list[ProcessModelVersion]:
    with app.extensions["db_sessions"]() as session:
        stmt = (
            select(ProcessModelVersion)
            .options(undefer(ProcessModelVersion.files), undefer(ProcessModelVersion.spec))
            .order_by(ProcessModelVersion.version)
        )
        return list(session.scalars(stmt))


def _deploy_events(app) -> list[AuditEvent]:
    with app.extensions["db_sessions"]() as session:
        stmt = select(AuditEvent).where(AuditEvent.event_type == "model_deployed")
        return list(session.scalars(stmt.order_by(AuditEvent.id)))


def _deploy_dir_as(app, user_id):
    with app.app_context(), transaction() as session:
        actor = session.get(User, user_id)
        return [
            (v.model_id, v.version, created)
            for v, created in deploy_directory(actor, BPMN_DIR, FORMS_DIR)
        ]


def test_deploy_directory_creates_version_one_with_files_spec_and_audit(app):
    owner = make_user(app, "process_owner")
    before = datetime.now(UTC)
    assert (MODEL, 1, True) in _deploy_dir_as(app, owner["id"])

    [version] = [v for v in _versions(app) if v.model_id == MODEL]
    assert version.version == 1
    folder = BPMN_DIR / MODEL
    diagrams = {p.name for p in folder.iterdir() if p.suffix in (".bpmn", ".dmn")}
    assert f"{MODEL}.bpmn" in diagrams
    assert {name for name in version.files if not name.startswith("forms/")} == diagrams
    for name in diagrams:
        assert version.files[name] == (folder / name).read_text()
    snapshot = {name for name in version.files if name.startswith("forms/")}
    with app.app_context():  # the forms the model's user tasks name, plus the intake form
        files = {name: (folder / name).read_bytes() for name in diagrams}
        used = compile_model(files, MODEL, build_catalog(FORMS_DIR)).forms_used | {"notification"}
    assert {"triage", "notification"} <= used
    expected = {
        f"forms/{name}"
        for key in used
        for name in form_file_names(key)
        if (FORMS_DIR / name).exists()
    }
    assert "forms/notification.schema.json" in expected
    assert snapshot == expected
    for name in snapshot:  # a copy of the form as it was at deployment
        assert version.files[name] == (FORMS_DIR / name.removeprefix("forms/")).read_text()
    assert len(version.content_hash) == 64 and int(version.content_hash, 16) >= 0
    assert set(version.spec) == {"spec", "subprocess_specs", "fingerprint"}
    assert version.spec["spec"]["name"] == MODEL
    assert version.serializer_version == SERIALIZER_VERSION
    assert version.deployed_by_id == owner["id"]
    assert version.deployed_by == "Process_Owner (process_owner)"
    assert before - timedelta(seconds=1) <= version.deployed_at <= datetime.now(UTC)

    [event] = [e for e in _deploy_events(app) if e.detail["model_id"] == MODEL]
    assert event.actor_id == owner["id"] and event.case_id is None
    assert event.detail == {
        "model_id": MODEL,
        "version": 1,
        "content_hash": version.content_hash,
        "note": None,
    }


def test_the_version_and_its_audit_event_share_one_transaction(app):
    with pytest.raises(RuntimeError), app.app_context(), transaction():
        deploy_model(None, model_id=MODEL, files=V1, forms_dir=FORMS_DIR)
        raise RuntimeError("something after the deploy failed")
    assert _count(app, ProcessModelVersion) == 0
    assert _count(app, AuditEvent) == 0


def test_deploying_the_same_content_again_creates_nothing(app):
    owner = make_user(app, "process_owner")
    first = _deploy_dir_as(app, owner["id"])
    assert all(created for _m, _v, created in first)
    again = _deploy_dir_as(app, owner["id"])
    assert again == [(m, v, False) for m, v, _c in first]
    assert _count(app, ProcessModelVersion) == len(first)
    assert len(_deploy_events(app)) == len(first)


def test_a_changed_form_is_a_new_version_too(app, tmp_path):
    forms = tmp_path / "forms"
    shutil.copytree(FORMS_DIR, forms)
    assert deploy_files(app, MODEL, V1, forms) == (MODEL, 1, True)
    triage = forms / "triage.schema.json"
    triage.write_text(triage.read_text().replace("Triage record", "Triage record (2026)"))
    assert deploy_files(app, MODEL, V1, forms) == (MODEL, 2, True)
    v1, v2 = _versions(app)
    assert v1.content_hash != v2.content_hash
    assert "Triage record (2026)" in v2.files["forms/triage.schema.json"]
    assert "Triage record (2026)" not in v1.files["forms/triage.schema.json"]


def _triage(client, user, case_id, decision="accept_monitoring"):
    tasks = client.get(f"/api/v1/tasks?case={case_id}", headers=auth(user)).json["items"]
    [task] = [t for t in tasks if t["status"] == "open"]
    done = client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": {"decision": decision, "reasons": "Meets the threshold."}},
        headers=auth(user),
    )
    assert done.status_code == 200, done.json


def _case(app, case_id):
    with app.extensions["db_sessions"]() as session:
        case = session.get(Case, case_id)
        open_tasks = session.scalars(
            select(Task.element_id).where(Task.case_id == case_id, Task.status == "open")
        )
        return case.model_version.version, case.stage, sorted(open_tasks)


def test_a_running_case_stays_on_its_version_and_new_cases_use_the_new_one(app, client):
    adviser = make_user(app, "adviser")
    assert deploy_files(app, MODEL, V1) == (MODEL, 1, True)
    old_case = notify(client, adviser).json["case_id"]

    assert deploy_files(app, MODEL, V2) == (MODEL, 2, True)
    v2 = _versions(app)[1]
    assert "forms/school_response.schema.json" in v2.files  # v2 uses one more form
    new_case = notify(client, adviser).json["case_id"]

    _triage(client, adviser, old_case)
    _triage(client, adviser, new_case)
    assert _case(app, old_case) == (1, "monitoring", [])  # v1: straight on to monitoring
    assert _case(app, new_case) == (2, "triage", ["school_plan"])  # v2: the new school task


def test_an_invalid_model_raises_invalid_with_problems_and_writes_nothing(app):
    broken = DIAGRAM.replace(b'value="triage"', b'value="no_such_form"').replace(
        b'id="attendance.calculate"', b'id="attendance.guess"'
    )
    assert broken.count(b"no_such_form") == 1 and broken.count(b"attendance.guess") == 1
    # the unit of work commits (the error is caught inside it): anything staged would be written
    with app.app_context(), transaction(), pytest.raises(Invalid) as invalid:
        deploy_model(None, model_id=MODEL, files={f"{MODEL}.bpmn": broken}, forms_dir=FORMS_DIR)
    problems = invalid.value.details["problems"]
    assert {(p["file"], p["element_id"]) for p in problems} == {
        (f"{MODEL}.bpmn", "triage"),
        (f"{MODEL}.bpmn", "calculate_attendance"),
    }
    assert all(p["message"] for p in problems)
    assert invalid.value.status == 422
    assert _count(app, ProcessModelVersion) == 0
    assert _count(app, AuditEvent) == 0


def _invalid_folder(tmp_path: Path) -> Path:
    """A valid model folder plus one with three problems (deployed in name order)."""
    root = tmp_path / "bpmn"
    (root / MODEL).mkdir(parents=True)
    (root / MODEL / f"{MODEL}.bpmn").write_bytes(DIAGRAM)
    other = root / "zz_other"
    other.mkdir()
    (other / "zz_other.bpmn").write_bytes(
        DIAGRAM.replace(f'id="{MODEL}"'.encode(), b'id="zz_other"')
        .replace(b'value="triage"', b'value="no_such_form"')
        .replace(b'id="attendance.calculate"', b'id="attendance.guess"')
        .replace(b'set_stage("monitoring")', b"().__class__.__bases__")
    )
    return root


def test_cli_deploy_of_an_invalid_folder_prints_each_problem_and_exits_1(app, tmp_path):
    folder = _invalid_folder(tmp_path)
    result = CliRunner().invoke(main, ["models", "deploy", str(folder)], obj=app)
    assert result.exit_code == 1, result.output
    assert "Error: The process model 'zz_other' cannot be deployed: 3 problem(s)." in result.output
    assert (
        "  zz_other.bpmn:triage: user task names form 'no_such_form', which does not exist"
        in result.output
    )
    assert (
        "  zz_other.bpmn:calculate_attendance: service task calls unknown operator "
        "'attendance.guess'" in result.output
    )
    assert "  zz_other.bpmn:start_monitoring: script is refused by the sandbox: " in result.output
    assert "Traceback" not in result.output
    # all or nothing: the valid attendance_case folder was not deployed either
    assert _count(app, ProcessModelVersion) == 0
    assert _count(app, AuditEvent) == 0


def test_content_hash_covers_names_and_contents(app):
    """Same bytes under another file name is different content."""
    first = deploy_files(app, MODEL, V1)
    second = deploy_files(app, MODEL, {"renamed.bpmn": DIAGRAM})
    assert (first, second) == ((MODEL, 1, True), (MODEL, 2, True))
    v1, v2 = _versions(app)
    assert v1.content_hash != v2.content_hash
