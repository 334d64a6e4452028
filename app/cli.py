"""The ``pathway`` command line: database, demo, schools, users, tokens, models, timers, serve."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask

from app import create_app
from app.core.errors import AppError


def _app() -> Flask:
    ctx = click.get_current_context()
    app = ctx.obj if isinstance(ctx.obj, Flask) else None
    if app is None:
        app = create_app()
        ctx.obj = app
    return app


def _fail(exc: AppError) -> None:
    click.echo(f"Error: {exc.message}", err=True)
    errors = getattr(exc, "errors", None) or {}
    for field, messages in errors.items():
        for message in messages:
            click.echo(f"  {field}: {message}", err=True)
    for problem in exc.details.get("problems", []):
        where = ":".join(p for p in (problem.get("file"), problem.get("element_id")) if p)
        click.echo(f"  {where or '-'}: {problem['message']}", err=True)
    sys.exit(1)


def _run(func: Any) -> Any:
    """Run ``func`` in one unit of work inside the app context; report AppErrors plainly."""
    app = _app()
    with app.app_context():
        from app.core.web import transaction

        try:
            with transaction():
                return func(app)
        except AppError as exc:
            _fail(exc)
    return None


@click.group()
def main() -> None:
    """Attendance Pathway administration."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations."""
    from app.migrations import upgrade

    app = _app()
    upgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"Database is at {revision}.")


@main.command()
def demo() -> None:
    """Load the synthetic demo data (idempotent)."""
    from app.demo import DEMO_PASSWORD, load_demo

    counts = _run(lambda app: load_demo())
    click.echo(
        f"Demo data: {counts['schools']} schools, {counts['users']} users, "
        f"{counts['cases']} new cases."
    )
    click.echo(f"Demo users sign in with the password {DEMO_PASSWORD!r} (see README).")


@main.group()
def schools() -> None:
    """Schools."""


@schools.command("create")
@click.argument("urn")
@click.option("--name", required=True)
@click.option("--laestab", default=None)
def schools_create(urn: str, name: str, laestab: str | None) -> None:
    """Create (or rename) a school."""
    from app.accounts import create_school

    _run(lambda app: create_school(urn, name, laestab))
    click.echo(f"School {urn} {name}")


@main.group()
def users() -> None:
    """Users."""


@users.command("create")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["school", "adviser", "manager", "process_owner", "admin"]),
)
@click.option("--school", "school_urn", default=None, help="URN, for school users")
@click.option("--password", default=None)
@click.option("--name", default=None)
def users_create(
    email: str, role: str, school_urn: str | None, password: str | None, name: str | None
) -> None:
    """Create (or update) a user."""
    from app.accounts import create_user

    user = _run(
        lambda app: create_user(
            email, role=role, name=name, school_urn=school_urn, password=password
        )
    )
    click.echo(f"User {user.email} ({user.role})")


@main.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.argument("email")
def tokens_create(email: str) -> None:
    """Issue an API token; it is printed once, as the last word."""
    from app.accounts import create_token

    token = _run(lambda app: create_token(email))
    click.echo(f"API token for {email}: {token}")


@main.group()
def models() -> None:
    """Process models."""


@models.command("deploy")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--forms", "forms_dir", default=None, type=click.Path(file_okay=False, path_type=Path)
)
def models_deploy(directory: Path | None, forms_dir: Path | None) -> None:
    """Deploy every model folder under DIRECTORY (default bpmn/) with forms/."""
    from app.process_models import deploy_directory

    def deploy(app: Flask) -> list[Any]:
        bpmn = directory or Path(app.config["BPMN_DIR"])
        forms = forms_dir or Path(app.config["FORMS_DIR"])
        return [
            (v.model_id, v.version, created) for v, created in deploy_directory(None, bpmn, forms)
        ]

    for model_id, version, created in _run(deploy):
        state = "deployed as" if created else "unchanged at"
        click.echo(f"{model_id}: {state} version {version}")


@main.group()
def timers() -> None:
    """Timers."""


@timers.command("run-due")
@click.option("--now", "now_text", default=None, help="ISO-8601 instant (default: now)")
def timers_run_due(now_text: str | None) -> None:
    """Fire every timer due at NOW."""
    from app.cases import run_due_timers

    try:
        now = datetime.fromisoformat(now_text) if now_text else datetime.now(UTC)
    except ValueError:
        raise click.BadParameter(
            "use ISO-8601, e.g. 2027-02-01T09:00:00+00:00", param_hint="--now"
        ) from None
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    app = _app()
    with app.app_context():
        outcomes = run_due_timers(now, app.extensions["db_sessions"])
    for outcome in outcomes:
        fired = ", ".join(outcome["fired"]) or "nothing"
        line = f"{outcome.get('reference') or outcome['case_id']}: fired {fired}"
        click.echo(line + (f" (error: {outcome['error']})" if outcome.get("error") else ""))
    click.echo(f"{len(outcomes)} case(s) had timers due at {now.isoformat()}.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="PORT", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app and API, with the background timer worker in the same process."""
    from werkzeug.serving import run_simple

    app = _app()
    _start_background_worker(app)
    click.echo(f"Attendance Pathway on http://{host}:{port}/ (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _start_background_worker(app: Flask) -> threading.Thread:
    """Fire due timers every TIMER_POLL_SECONDS in a daemon thread (the embedded worker)."""
    from app.cases import run_due_timers

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(app.config["TIMER_POLL_SECONDS"]):
            with app.app_context():
                try:
                    run_due_timers(datetime.now(UTC), app.extensions["db_sessions"])
                except Exception:  # keep the worker alive; the error is logged without case data
                    app.logger.exception("timer run failed")

    thread = threading.Thread(target=loop, name="pathway-timers", daemon=True)
    thread.start()
    return thread
