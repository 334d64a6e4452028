"""Moving running cases onto a new version: dry run on real cases, bulk move, audit, undo."""

from __future__ import annotations

from typing import Any

import pytest
from case_diagrams import MODEL, case_model
from factories import auth, deploy_files, make_user, notify
from sqlalchemy import select

from app.accounts import User
from app.audit import AuditEvent
from app.cases import Case, Task
from app.core.errors import Conflict
from app.core.web import transaction
from app.studio import CaseMigration, dry_run, migrate_cases, migrate_one, undo_migration

V1 = case_model()
V2 = case_model(school_plan=True)  # a school task after an accepted triage
RENAMED = {
    name: text.replace(b'name="Triage the notification"', b'name="Triage the referral"')
    for name, text in V1.items()
}


def _triage(client, user, case_id, decision="accept_monitoring"):
    tasks = client.get(f"/api/v1/tasks?case={case_id}", headers=auth(user)).json["items"]
    [task] = [t for t in tasks if t["status"] == "open"]
    done = client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": {"decision": decision, "reasons": "Meets the threshold."}},
        headers=auth(user),
    )
    assert done.status_code == 200, done.json


def _world(app, client) -> dict[str, Any]:
    """Cases at three stages on v1: at triage, waiting at the midway timer, closed."""
    adviser = make_user(app, "adviser")
    owner = make_user(app, "process_owner")
    deploy_files(app, MODEL, V1)
    at_triage = notify(client, adviser).json["case_id"]
    at_timer = notify(client, adviser).json["case_id"]
    _triage(client, adviser, at_timer)
    closed = notify(client, adviser).json["case_id"]
    _triage(client, adviser, closed, decision="return_to_school")
    return {
        "adviser": adviser,
        "owner": owner,
        "triage": at_triage,
        "timer": at_timer,
        "closed": closed,
    }


def _as(app, user_id, func, **kw):
    with app.app_context(), transaction() as session:
        return func(session.get(User, user_id), **kw)


def _case(app, case_id):
    with app.extensions["db_sessions"]() as session:
        case = session.get(Case, case_id)
        tasks = session.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open"))
        return {
            "version": case.model_version.version,
            "state": case.state,
            "stage": case.stage,
            "lock": case.version,
            "next_timer_at": case.next_timer_at,
            "tasks": [(t.element_id, t.title, t.bpmn_task_id) for t in tasks],
        }


def _plans(app, owner, to_version):
    plans = _as(app, owner["id"], dry_run, model_id=MODEL, to_version=to_version)
    return {p.case_id: p for p in plans}


def test_the_dry_run_classifies_every_open_case_and_changes_nothing(app, client):
    world = _world(app, client)
    deploy_files(app, MODEL, V2)
    before = {c: _case(app, world[c]) for c in ("triage", "timer")}
    plans = _plans(app, world["owner"], 2)
    assert set(plans) == {world["triage"], world["timer"]}  # the closed case is not listed
    assert plans[world["triage"]].verdict == "as_is"
    assert plans[world["triage"]].current == ("triage",)
    timer = plans[world["timer"]]
    assert timer.verdict == "blocked" and timer.current == ("midway",)
    assert timer.reasons == (
        "it has passed 'Accepted?', which changed in the new version (what comes after it, "
        "conditions)",
    )
    assert {c: _case(app, world[c]) for c in ("triage", "timer")} == before


def test_a_renamed_current_task_is_reported_as_mapped(app, client):
    world = _world(app, client)
    deploy_files(app, MODEL, RENAMED)
    plans = _plans(app, world["owner"], 2)
    assert plans[world["triage"]].verdict == "mapped"
    assert plans[world["triage"]].mappings == (
        "'Triage the notification' becomes 'Triage the referral': name changed",
    )
    assert plans[world["timer"]].verdict == "as_is"  # a passed task's new name does not matter


def test_moving_a_case_keeps_its_data_follows_the_new_path_and_is_audited(app, client):
    world = _world(app, client)
    deploy_files(app, MODEL, V2)
    before = _case(app, world["triage"])
    outcomes = _as(
        app,
        world["owner"]["id"],
        migrate_cases,
        to_version_id=_version_id(app, 2),
        cases=[(world["triage"], before["lock"])],
        factory=app.extensions["db_sessions"],
    )
    assert [o["moved"] for o in outcomes] == [True]
    after = _case(app, world["triage"])
    assert after["version"] == 2 and after["stage"] == before["stage"]
    assert after["tasks"] == before["tasks"]  # the same open task, same engine id
    assert after["lock"] > before["lock"]
    _triage(client, world["adviser"], world["triage"])
    assert [t[0] for t in _case(app, world["triage"])["tasks"]] == ["school_plan"]
    case_task = client.get(f"/api/v1/cases/{world['triage']}", headers=auth(world["adviser"]))
    assert case_task.json["active_tasks"][0]["title"] == "Agree a support plan"
    events = _events(app, world["triage"], "case_migrated")
    [event] = events
    assert event.actor_id == world["owner"]["id"]
    assert (event.detail["from_version"], event.detail["to_version"]) == (1, 2)
    assert event.detail["verdict"] == "as_is"
    notification = _events(app, world["triage"], "case_started")[0].detail["notification"]
    data = client.get(f"/api/v1/cases/{world['triage']}", headers=auth(world["adviser"])).json
    assert data["reference"].startswith("ATT-") and notification["pupil"]["surname"]


def test_a_mapped_move_gives_the_open_task_its_new_title(app, client):
    world = _world(app, client)
    deploy_files(app, MODEL, RENAMED)
    _as(
        app,
        world["owner"]["id"],
        migrate_one,
        case_id=world["triage"],
        to_version_id=_version_id(app, 2),
    )
    [(element, title, _id)] = _case(app, world["triage"])["tasks"]
    assert (element, title) == ("triage", "Triage the referral")


def test_a_blocked_case_is_not_moved_and_others_still_are(app, client):
    world = _world(app, client)
    deploy_files(app, MODEL, V2)
    timer_before = _case(app, world["timer"])
    outcomes = _as(
        app,
        world["owner"]["id"],
        migrate_cases,
        to_version_id=_version_id(app, 2),
        cases=[(world["timer"], None), (world["triage"], None)],
        factory=app.extensions["db_sessions"],
    )
    assert [o["moved"] for o in outcomes] == [False, True]
    assert outcomes[0]["message"].startswith("The case cannot be moved: it has passed 'Accepted?'")
    assert _case(app, world["timer"]) == timer_before
    assert _case(app, world["triage"])["version"] == 2


def test_a_case_changed_since_the_dry_run_is_left_alone(app, client):
    world = _world(app, client)
    deploy_files(app, MODEL, V2)
    stale = _case(app, world["triage"])["lock"] - 1
    with pytest.raises(Conflict, match="changed since the dry run"):
        _as(
            app,
            world["owner"]["id"],
            migrate_one,
            case_id=world["triage"],
            to_version_id=_version_id(app, 2),
            expected_version=stale,
        )
    assert _case(app, world["triage"])["version"] == 1


def test_undo_restores_the_previous_state_and_version(app, client):
    world = _world(app, client)
    deploy_files(app, MODEL, RENAMED)
    before = _case(app, world["timer"])
    migration = _as(
        app,
        world["owner"]["id"],
        migrate_one,
        case_id=world["timer"],
        to_version_id=_version_id(app, 2),
    )
    assert _case(app, world["timer"])["version"] == 2
    _as(app, world["owner"]["id"], undo_migration, migration_id=migration.id)
    after = _case(app, world["timer"])
    assert (after["version"], after["state"], after["stage"]) == (
        before["version"],
        before["state"],
        before["stage"],
    )
    assert after["next_timer_at"] == before["next_timer_at"]
    with app.extensions["db_sessions"]() as session:
        stored = session.get(CaseMigration, migration.id)
        assert stored.undone_at is not None and stored.undone_by
    assert [
        e.detail["to_version"] for e in _events(app, world["timer"], "case_migration_undone")
    ] == [1]
    with pytest.raises(Conflict, match="already been undone"):
        _as(app, world["owner"]["id"], undo_migration, migration_id=migration.id)


def test_undo_is_refused_once_work_was_done_on_the_moved_case(app, client):
    world = _world(app, client)
    deploy_files(app, MODEL, RENAMED)
    migration = _as(
        app,
        world["owner"]["id"],
        migrate_one,
        case_id=world["triage"],
        to_version_id=_version_id(app, 2),
    )
    _triage(client, world["adviser"], world["triage"])
    with pytest.raises(Conflict, match="Work has been done"):
        _as(app, world["owner"]["id"], undo_migration, migration_id=migration.id)
    assert _case(app, world["triage"])["version"] == 2


def test_only_process_owners_move_cases(app, client):
    world = _world(app, client)
    deploy_files(app, MODEL, V2)
    from app.core.errors import Forbidden

    with pytest.raises(Forbidden):
        _as(app, world["adviser"]["id"], dry_run, model_id=MODEL, to_version=2)
    with pytest.raises(Forbidden):
        _as(app, world["adviser"]["id"], migrate_one, case_id=world["triage"], to_version_id=1)


def _version_id(app, number):
    from app.process_models import ProcessModelVersion

    with app.extensions["db_sessions"]() as session:
        return session.scalar(
            select(ProcessModelVersion.id).where(
                ProcessModelVersion.model_id == MODEL, ProcessModelVersion.version == number
            )
        )


def _events(app, case_id, event_type):
    with app.extensions["db_sessions"]() as session:
        stmt = select(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.event_type == event_type
        )
        return list(session.scalars(stmt.order_by(AuditEvent.id)))


def _cli(app, *args):
    from click.testing import CliRunner

    from app.cli import main

    return CliRunner().invoke(main, list(args), obj=app, catch_exceptions=False)


def test_the_command_line_dry_run_and_move(app, client):
    world = _world(app, client)
    deploy_files(app, MODEL, V2)
    owner = world["owner"]["email"]
    dry = _cli(app, "cases", "migrate", MODEL, "--to", "2", "--user", owner, "--dry-run")
    assert dry.exit_code == 0, dry.output
    lines = dry.output.splitlines()
    assert any("(v1, at triage): can move as is" in line for line in lines)
    assert any("(v1, at midway): cannot move - it has passed 'Accepted?'" in line for line in lines)
    assert _case(app, world["triage"])["version"] == 1

    moved = _cli(app, "cases", "migrate", MODEL, "--to", "2", "--user", owner, "--all-movable")
    assert moved.exit_code == 0, moved.output
    assert moved.output.splitlines()[-1] == f"1 of 1 case(s) moved to {MODEL} version 2."
    assert _case(app, world["triage"])["version"] == 2

    forced = _cli(
        app, "cases", "migrate", MODEL, "--to", "2", "--user", owner, "--case", str(world["timer"])
    )
    assert forced.exit_code == 1 and "cannot be moved" in forced.output


def test_the_command_line_validator(app, tmp_path):
    folder = tmp_path / "models" / MODEL
    folder.mkdir(parents=True)
    for name, text in V1.items():
        (folder / name).write_bytes(text)
    ok = _cli(app, "models", "validate", str(tmp_path / "models"))
    assert ok.exit_code == 0 and ok.output.startswith(f"{MODEL}: valid, 0 warning(s)")
    (folder / f"{MODEL}.bpmn").write_bytes(
        V1[f"{MODEL}.bpmn"].replace(b'value="triage"', b'value="nope"')
    )
    bad = _cli(app, "models", "validate", str(folder))
    assert bad.exit_code == 1
    assert (
        f"  {MODEL}.bpmn:triage: user task names form 'nope', which does not exist in forms/"
        in bad.output
    )


def test_a_real_pathway_case_deep_in_sub_processes_moves_without_restarting(
    pathway_app, pathway_client
):
    from pathlib import Path

    from factories import deploy_default

    from app.process_models import read_model_dir

    adviser = make_user(pathway_app, "adviser")
    owner = make_user(pathway_app, "process_owner")
    deploy_default(pathway_app)
    case_id = notify(pathway_client, adviser).json["case_id"]
    before = _case(pathway_app, case_id)
    assert before["tasks"]
    files = read_model_dir(Path(pathway_app.config["BPMN_DIR"]) / MODEL)
    main = files[f"{MODEL}.bpmn"]
    renamed = main.replace(b'name="Closure"', b'name="Close the case"', 1)
    assert renamed != main, "the pathway's closure call activity was renamed: update this test"
    deploy_files(pathway_app, MODEL, {**files, f"{MODEL}.bpmn": renamed})
    plans = _plans(pathway_app, owner, 2)
    assert plans[case_id].verdict == "as_is", plans[case_id]
    created_before = len(_events(pathway_app, case_id, "task_created"))
    _as(
        pathway_app,
        owner["id"],
        migrate_one,
        case_id=case_id,
        to_version_id=_version_id(pathway_app, 2),
    )
    after = _case(pathway_app, case_id)
    assert after["version"] == 2
    assert after["tasks"] == before["tasks"]  # the same task: no sub-process started again
    assert len(_events(pathway_app, case_id, "task_created")) == created_before
