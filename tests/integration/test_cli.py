"""The `pathway` CLI: schools, users, tokens, demo data and deploy."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from app.accounts import User
from app.cases import Case
from app.cli import main


def _run(app, *args):
    return CliRunner().invoke(main, list(args), obj=app, catch_exceptions=False)


def test_school_user_and_token_commands(app, client):
    assert _run(app, "schools", "create", "123456", "--name", "Oakfield Primary").exit_code == 0
    made = _run(
        app,
        "users",
        "create",
        "lead@oakfield.example",
        "--role",
        "school",
        "--school",
        "123456",
        "--password",
        "a-long-password",
    )
    assert made.exit_code == 0, made.output
    issued = _run(app, "tokens", "create", "lead@oakfield.example")
    assert issued.exit_code == 0
    token = issued.output.split()[-1]
    listed = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200 and listed.json["total"] == 0


def test_user_errors_are_reported_without_a_traceback(app):
    bad = CliRunner().invoke(
        main,
        ["users", "create", "x@example.test", "--role", "school", "--school", "999999"],
        obj=app,
    )
    assert bad.exit_code == 1
    assert "No school with URN 999999" in bad.output
    assert "Traceback" not in bad.output
    unknown = CliRunner().invoke(main, ["tokens", "create", "nobody@example.test"], obj=app)
    assert unknown.exit_code == 1 and "No user" in unknown.output


def test_deploy_then_demo_is_idempotent(app):
    deployed = _run(app, "models", "deploy")
    assert "attendance_case: deployed as version 1" in deployed.output
    assert "unchanged at version 1" in _run(app, "models", "deploy").output
    first = _run(app, "demo")
    assert "3 new cases" in first.output
    second = _run(app, "demo")
    assert "0 new cases" in second.output
    with app.extensions["db_sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 3
        emails = set(session.scalars(select(User.email)))
    assert {"adviser@council.example", "school@riverside.example"} <= emails
