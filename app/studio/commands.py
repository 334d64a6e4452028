"""What the ``pathway models validate`` and ``pathway cases migrate`` commands do."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.accounts import User
from app.core.errors import Invalid, NotFound
from app.core.uow import read_session
from app.engine import Problem, validate_model
from app.process_models import build_catalog, get_version, read_model_dir
from app.studio.services import CasePlan, dry_run, migrate_cases

_VERDICTS = {"as_is": "can move as is", "mapped": "can move, task mapped", "blocked": "cannot move"}


def validate_directory(
    directory: Path, forms_dir: Path
) -> list[tuple[str, list[Problem], list[Problem]]]:
    """(model id, errors, warnings) for DIRECTORY (a model folder, or a folder of them)."""
    folders = (
        [directory]
        if read_model_dir(directory)
        else sorted(d for d in directory.iterdir() if d.is_dir() and read_model_dir(d))
    )
    if not folders:
        raise Invalid(f"No .bpmn or .dmn files under {directory}.")
    catalog = build_catalog(forms_dir)
    results = []
    for folder in folders:
        errors, warnings = validate_model(read_model_dir(folder), folder.name, catalog)
        results.append((folder.name, errors, warnings))
    return results


def problem_line(problem: Problem) -> str:
    """``file:element: message``, as ``models deploy`` prints problems."""
    where = ":".join(p for p in (problem.file, problem.element_id) if p) or "-"
    return f"{where}: {problem.message}"


def user_by_email(email: str) -> User:
    """The user with this e-mail address (any case)."""
    from app.core.uow import current_session

    stmt = select(User).where(func.lower(User.email) == email.strip().lower())
    user = current_session().scalars(stmt).first()
    if user is None:
        raise NotFound(f"No user {email}.")
    return user


def migrate_command(
    factory: Any,
    *,
    model_id: str,
    to_version: int,
    email: str,
    case_ids: Iterable[int],
    all_movable: bool,
    dry: bool,
) -> tuple[list[str], bool]:
    """Print the dry run, then move the chosen cases; returns (lines, every move worked)."""
    with read_session(factory):
        actor = user_by_email(email)
        target_id = get_version(model_id, to_version).id
        plans = dry_run(actor, model_id=model_id, to_version=to_version)
    lines = [_plan_line(p) for p in plans] or [f"No open case of {model_id} is on another version."]
    chosen = set(case_ids)
    if all_movable:
        chosen |= {p.case_id for p in plans if p.verdict != "blocked"}
    if dry or not chosen:
        return lines, True
    versions = {p.case_id: p.case_version for p in plans}
    outcomes = migrate_cases(
        actor,
        to_version_id=target_id,
        cases=[(case_id, versions.get(case_id)) for case_id in sorted(chosen)],
        factory=factory,
    )
    lines += [f"case {o['case_id']}: {o['message']}" for o in outcomes]
    moved = sum(1 for o in outcomes if o["moved"])
    lines.append(f"{moved} of {len(outcomes)} case(s) moved to {model_id} version {to_version}.")
    return lines, moved == len(outcomes)


def _plan_line(plan: CasePlan) -> str:
    why = "; ".join(plan.reasons or plan.mappings)
    where = ", ".join(plan.current) or "-"
    return (
        f"{plan.reference or plan.case_id} (v{plan.from_version}, at {where}): "
        f"{_VERDICTS[plan.verdict]}{' - ' + why if why else ''}"
    )
