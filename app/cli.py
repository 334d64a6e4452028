"""The ``pathway`` command line: database, demo, schools, users, tokens, models, timers,
attendance imports, letters, and ``serve`` (web app + embedded Celery worker with beat)."""

from __future__ import annotations

import getpass
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask

from app import create_app
from app.core.errors import AppError
from app.core.uow import unit_of_work
from app.embedded_worker import start_embedded_worker, stop_embedded_worker

#: rejected rows printed by ``attendance import`` (the rest are in the import history)
ERRORS_SHOWN = 20


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
@click.option(
    "--cases",
    "synthetic",
    type=click.IntRange(min=0),
    default=0,
    help="also make sure N bulk synthetic cases exist (dashboards, load tests)",
)
def demo(synthetic: int) -> None:
    """Load the synthetic demo data (idempotent)."""
    from app.demo import DEMO_PASSWORD, load_demo

    counts = _run(lambda app: load_demo())
    click.echo(
        f"Demo data: {counts['schools']} schools, {counts['users']} users, "
        f"{counts['cases']} new cases."
    )
    if synthetic:
        from app.demo.synthetic import generate_cases

        made = _run(lambda app: generate_cases(synthetic))
        click.echo(f"Synthetic cases: {made['created']} new, {made['total']} in all.")
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
def tsm() -> None:
    """Termly targeting support meetings."""


def _register_targeting() -> None:
    from app.targeting.commands import link_adviser_command, open_command

    tsm.add_command(open_command(_run))
    schools.add_command(link_adviser_command(_run))


_register_targeting()


@main.group()
def plan() -> None:
    """The council's attendance delivery plan."""


@plan.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def plan_import(csv_file: Path) -> None:
    """Import the delivery-plan table (CSV); nothing is imported if any row is wrong."""
    from app.delivery_plan.services import SystemEditor, import_plan_csv

    text = csv_file.read_text(encoding="utf-8-sig")
    report = _run(lambda _app: import_plan_csv(SystemEditor(), text=text))
    for line, messages in sorted(report.errors.items()):
        click.echo(f"  line {line}: {'; '.join(messages)}", err=True)
    if report.errors:
        click.echo("Nothing imported.", err=True)
        sys.exit(1)
    click.echo(
        f"{report.created} new and {report.updated} updated action(s), "
        f"{report.status_changes} status change(s)"
    )


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


@models.command("validate")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--forms", "forms_dir", default=None, type=click.Path(file_okay=False, path_type=Path)
)
def models_validate(directory: Path, forms_dir: Path | None) -> None:
    """Validate the model folder(s) in DIRECTORY without deploying; exit 1 on any error."""
    from app.studio.commands import problem_line, validate_directory

    app = _app()
    with app.app_context():
        try:
            results = validate_directory(directory, forms_dir or Path(app.config["FORMS_DIR"]))
        except AppError as exc:
            _fail(exc)
    for model_id, errors, warnings in results:
        verdict = f"{len(errors)} error(s)" if errors else "valid"
        click.echo(f"{model_id}: {verdict}, {len(warnings)} warning(s)")
        for problem in errors:
            click.echo(f"  {problem_line(problem)}")
        for problem in warnings:
            click.echo(f"  warning {problem_line(problem)}")
    if any(errors for _m, errors, _w in results):
        sys.exit(1)


@main.group()
def cases() -> None:
    """Running cases."""


@cases.command("migrate")
@click.argument("model_id")
@click.option("--to", "to_version", type=int, required=True, help="The version to move onto.")
@click.option("--user", "email", required=True, help="The process owner or admin moving them.")
@click.option("--case", "case_ids", type=int, multiple=True, help="A case id (repeatable).")
@click.option("--all-movable", is_flag=True, help="Every case the dry run says can move.")
@click.option("--dry-run", "dry", is_flag=True, help="Only classify the open cases.")
def cases_migrate(
    model_id: str,
    to_version: int,
    email: str,
    case_ids: tuple[int, ...],
    all_movable: bool,
    dry: bool,
) -> None:
    """Classify MODEL_ID's open cases against a version, then move the chosen ones."""
    from app.studio.commands import migrate_command

    app = _app()
    with app.app_context():
        try:
            lines, ok = migrate_command(
                app.extensions["db_sessions"],
                model_id=model_id,
                to_version=to_version,
                email=email,
                case_ids=case_ids,
                all_movable=all_movable,
                dry=dry,
            )
        except AppError as exc:
            _fail(exc)
    for line in lines:
        click.echo(line)
    if not ok:
        sys.exit(1)


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


@main.group()
def attendance() -> None:
    """Attendance marks."""


@attendance.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--user",
    "email",
    default=None,
    help="Import as this adviser or administrator (default: the shell's user, as an admin).",
)
def attendance_import(file: Path, email: str | None) -> None:
    """Import a session-mark CSV file (domain.md section 9), with a progress bar.

    Rows with problems are listed with their CSV row number; the other rows are imported.
    Running the same file again changes nothing.
    """
    from app.attendance import imports

    app = _app()
    with app.app_context():
        try:
            text = imports.decode(file.read_bytes())
            imports.check_header(text)
            total = imports.count_rows(text)
            with unit_of_work(app.extensions["db_sessions"]):
                actor = imports.command_line_actor(email, getpass.getuser())
            with click.progressbar(
                length=total, label=f"Importing {file.name}", show_pos=True, file=sys.stderr
            ) as bar:
                record = imports.import_file(actor, file, progress=bar.update)
        except AppError as exc:
            _fail(exc)
    _report_import(imports.import_summary(record))


def _report_import(summary: dict[str, Any]) -> None:
    click.echo(
        f"Import {summary['id']} {summary['status']}: {summary['total_rows']:,} rows, "
        f"{summary['inserted']:,} new, {summary['updated']:,} changed, "
        f"{summary['unchanged']:,} unchanged, {summary['rejected']:,} rejected."
    )
    shown = summary["errors"][:ERRORS_SHOWN]
    for error in shown:
        click.echo(f"  row {error['row']}: {error['message']}")
    if summary["rejected"] > len(shown):
        click.echo(f"  ... and {summary['rejected'] - len(shown):,} more rejected row(s).")
    if summary["status"] != "done":
        sys.exit(1)


@main.group()
def letters() -> None:
    """Letter templates (versions) and generated documents."""


@letters.command("list")
def letters_list() -> None:
    """Every letter template with its current version (new or changed files are recorded)."""
    from app.documents.letter_templates import sync_files
    from app.documents.queries import list_template_heads
    from app.documents.services import letters_dir

    def heads(app: Flask) -> list[Any]:
        sync_files(letters_dir())
        return [(v.name, v.version, v.format, v.created_by_label) for v in list_template_heads()]

    for name, version, fmt, who in _run(heads):
        click.echo(f"{name}: version {version} ({fmt}, by {who})")


@letters.command("save")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "email", required=True, help="The process owner or admin saving it.")
@click.option("--note", default=None, help="Why the wording changed.")
def letters_save(name: str, file: Path, email: str, note: str | None) -> None:
    """Save FILE (.html or .docx) as a new version of letter template NAME (checked first)."""
    from app.attendance.imports import command_line_actor
    from app.documents import save_template

    def save(app: Flask) -> Any:
        actor = command_line_actor(email, "")
        raw = file.read_bytes()
        if file.suffix.lower() == ".docx":
            return save_template(actor, name=name, docx=raw, note=note, source="cli")
        content = raw.decode("utf-8")
        return save_template(actor, name=name, content=content, note=note, source="cli")

    version, created = _run(save)
    state = "saved as" if created else "unchanged at"
    click.echo(f"{name}: {state} version {version.version}")


@letters.command("render")
@click.argument("document_ids", nargs=-1, type=int)
def letters_render(document_ids: tuple[int, ...]) -> None:
    """Make the PDF/DOCX of documents now, without the worker (default: every pending one)."""
    from app.documents import render_document_file
    from app.documents.queries import list_unrendered_documents

    app = _app()
    with app.app_context():
        ids = list(document_ids)
        if not ids:
            with unit_of_work(app.extensions["db_sessions"]):
                ids = list_unrendered_documents(datetime.now(UTC), limit=100_000)
        for document_id in ids:
            click.echo(f"document {document_id}: {render_document_file(document_id)}")
    click.echo(f"{len(ids)} document(s).")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="PORT", default=5000, show_default=True, type=int)
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Run the embedded Celery worker (with beat) beside the web app.",
)
def serve(host: str, port: int, worker: bool) -> None:
    """Serve the web app and API, with a Celery worker and beat beside it.

    The worker uses CELERY_BROKER_URL: by default the embedded SQLite broker under instance/
    (no Redis needed); point it at redis://... to use Redis.
    """
    from werkzeug.serving import run_simple

    app = _app()
    process = start_embedded_worker(app) if worker else None
    # SIGTERM (docker stop, a process manager) shuts down like Ctrl+C: the worker is stopped too
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    click.echo(f"Attendance Pathway on http://{host}:{port}/ (Ctrl+C to stop)")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if process is not None:
            stop_embedded_worker(process)
