"""Studio pages about running cases: the migration dry run, the bulk move, undo, what-if replay."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from app.core.errors import Invalid
from app.core.web import reading, session_factory, transaction
from app.process_models import draft_spec, get_draft, get_version, list_versions, version_spec
from app.studio import replays, services
from app.studio.blueprint import attachment, bp, page_user


@bp.get("/models/<model_id>/versions/<int:number>/migrate")
def migrate_page(model_id: str, number: int) -> Any:
    with reading():
        user = page_user()
        plans = services.dry_run(user, model_id=model_id, to_version=number)
        return render_template(
            "studio/migrate.html",
            model_id=model_id,
            version=get_version(model_id, number),
            plans=plans,
            moves=services.list_migrations(model_id),
        )


@bp.post("/models/<model_id>/versions/<int:number>/migrate")
def migrate(model_id: str, number: int) -> Any:
    chosen = _chosen_cases(request.form)
    if not chosen:
        raise Invalid("Choose at least one case to move.", {"cases": ["Choose a case"]})
    with reading():
        user = page_user()
        target = get_version(model_id, number)
    outcomes = services.migrate_cases(
        user, to_version_id=target.id, cases=chosen, factory=session_factory()
    )
    moved = sum(1 for o in outcomes if o["moved"])
    with reading():
        return render_template(
            "studio/migrated.html",
            model_id=model_id,
            version=target,
            outcomes=outcomes,
            moved=moved,
        )


def _chosen_cases(form: Any) -> list[tuple[int, int | None]]:
    """``case`` checkboxes (case ids) with each case's ``version-<id>`` from the dry run."""
    chosen = []
    for value in form.getlist("case"):
        if value.isdigit():
            expected = form.get(f"version-{value}", "")
            chosen.append((int(value), int(expected) if expected.isdigit() else None))
    return chosen


@bp.post("/migrations/<int:migration_id>/undo")
def undo(migration_id: int) -> Any:
    with transaction():
        migration = services.undo_migration(page_user(), migration_id=migration_id)
        case_id = migration.case_id
    flash(f"The move of case {case_id} was undone.", "success")
    back = request.form.get("back", "")
    safe = back.startswith("/studio/") and "//" not in back and "\\" not in back
    return redirect(back if safe else url_for("studio.index"))


def _candidate(model_id: str, choice: str) -> tuple[str, dict[str, Any]]:
    """The spec to replay through: the draft, or a deployed version number."""
    if choice.isdigit():
        return f"version {choice}", version_spec(get_version(model_id, int(choice)))
    current = get_draft(model_id)
    if current is None:
        raise Invalid("There is no draft to replay: start one, or choose a version.")
    return "the draft", draft_spec(current)


@bp.get("/models/<model_id>/replay")
def replay(model_id: str) -> Any:
    with reading():
        user = page_user()
        choice = request.args.get("candidate", "draft")
        label, spec = _candidate(model_id, choice)
        rows = replays.replay_cases(user, model_id=model_id, candidate=spec)
        return render_template(
            "studio/replay.html",
            model_id=model_id,
            rows=rows,
            label=label,
            choice=choice,
            totals=replays.summary(rows),
            versions=list_versions(model_id),
            has_draft=get_draft(model_id) is not None,
        )


@bp.get("/models/<model_id>/replay.csv")
def replay_csv(model_id: str) -> Any:
    with reading():
        user = page_user()
        choice = request.args.get("candidate", "draft")
        _label, spec = _candidate(model_id, choice)
        rows = replays.replay_cases(user, model_id=model_id, candidate=spec)
        return attachment(replays.report_csv(rows), f"{model_id}-replay-{choice}.csv", "text/csv")
