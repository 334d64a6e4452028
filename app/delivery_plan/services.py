"""Keeping the delivery plan: status changes with history, adding actions, CSV import/export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from app.audit import record_event
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid
from app.core.uow import current_session
from app.delivery_plan.models import (
    STATUSES,
    PlanAction,
    PlanEnabler,
    PlanObjective,
    PlanStatusChange,
)
from app.delivery_plan.permissions import ensure_can_edit
from app.delivery_plan.queries import get_action, plan_tree

#: the columns of the plan table (import reads them, export writes them)
CSV_COLUMNS = (
    "Enabler",
    "Objective ref",
    "Objective",
    "Action ref",
    "Action",
    "Owners",
    "Timeline",
    "Due date",
    "RAG status",
    "Commentary",
)
#: how councils write RAG statuses in their plan tables -> ours
STATUS_WORDS = {
    **{k: k for k in STATUSES},
    **{label.lower(): key for key, label in STATUSES.items()},
    "not started": "not_started",
    "grey": "not_started",
    "red": "overdue_issue",
    "overdue": "overdue_issue",
    "issue": "overdue_issue",
    "overdue/issue": "overdue_issue",
    "amber": "partial",
    "partial": "partial",
    "green": "on_track",
    "on track": "on_track",
    "blue": "completed",
    "complete": "completed",
    "completed": "completed",
}


class SystemEditor:
    """The command line acting as a manager (``pathway plan import``)."""

    id = None
    role = "manager"
    label = "command line"


def parse_status(text: str) -> str | None:
    """Our status for a plan table's wording (None when it is not one we know)."""
    return STATUS_WORDS.get(" ".join((text or "").strip().lower().split()))


def change_status(
    actor: Any, *, action_id: int, status: str, commentary: str, expected_version: int | None
) -> PlanAction:
    """Set an action's RAG status and commentary; the change is kept in its history and audited.

    ``expected_version`` is the version the manager saw: an edit based on a stale copy is a
    ``Conflict`` and nothing is written.
    """
    ensure_can_edit(actor)
    if status not in STATUSES:
        raise Invalid("Choose a status.", {"status": ["Choose one of the RAG statuses"]})
    action = get_action(action_id)
    if expected_version is not None and expected_version != action.version:
        raise Conflict("Someone changed this action since you opened it. Reload and try again.")
    _apply(action, status, commentary.strip(), actor.id, actor.label)
    current_session().flush()
    return action


def _apply(action: PlanAction, status: str, commentary: str, user_id: Any, who: str) -> bool:
    """Write a status/commentary change with its history row and audit event; False if none."""
    if status == action.status and commentary == action.commentary:
        return False
    previous = action.status or None
    action.status, action.commentary = status, commentary
    action.updated_at, action.updated_by_id = utcnow(), user_id
    action.history.append(
        PlanStatusChange(
            from_status=previous,
            to_status=status,
            commentary=commentary,
            changed_by_id=user_id,
            changed_by=who,
        )
    )
    record_event(
        "plan_status_changed",
        f"Delivery plan action {action.reference}: {STATUSES.get(previous or '', 'new')} -> "
        f"{STATUSES[status]}",
        detail={"action": action.reference, "from": previous, "to": status, "by": who},
    )
    return True


@dataclass
class PlanRow:
    """One row of the plan table, checked."""

    enabler: str
    objective_ref: str
    objective: str
    action_ref: str
    action: str
    owners: str
    timeline: str
    due_on: date | None
    status: str
    commentary: str


def save_action(actor: Any, row: PlanRow) -> PlanAction:
    """Add an action (creating its enabler and objective as needed) or update it by reference."""
    ensure_can_edit(actor)
    action = _upsert(row, actor.id, actor.label)
    current_session().flush()
    return action


def _upsert(row: PlanRow, user_id: Any, who: str) -> PlanAction:
    session = current_session()
    enabler = session.scalars(select(PlanEnabler).where(PlanEnabler.name == row.enabler)).first()
    if enabler is None:
        count = session.scalar(select(func.count()).select_from(PlanEnabler)) or 0
        enabler = PlanEnabler(name=row.enabler, position=count)
        session.add(enabler)
        session.flush()
    ref = PlanObjective.reference == row.objective_ref
    objective = session.scalars(select(PlanObjective).where(ref)).first()
    if objective is None:
        siblings = select(func.count()).where(PlanObjective.enabler_id == enabler.id)
        objective = PlanObjective(
            reference=row.objective_ref,
            title=row.objective,
            enabler_id=enabler.id,
            position=session.scalar(siblings) or 0,
        )
        session.add(objective)
        session.flush()
    objective.title, objective.enabler_id = row.objective or objective.title, enabler.id
    by_ref = PlanAction.reference == row.action_ref
    action = session.scalars(select(PlanAction).where(by_ref)).first()
    if action is None:
        siblings = select(func.count()).where(PlanAction.objective_id == objective.id)
        action = PlanAction(
            reference=row.action_ref,
            objective_id=objective.id,
            description=row.action,
            status="",
            commentary="",
            position=session.scalar(siblings) or 0,
        )
        session.add(action)
        session.flush()
    action.objective_id, action.description = objective.id, row.action
    action.owners, action.timeline, action.due_on = row.owners, row.timeline, row.due_on
    _apply(action, row.status, row.commentary, user_id, who)
    return action


@dataclass
class ImportReport:
    """What an import did, or (``errors``: line -> messages) why it did nothing."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    status_changes: int = 0
    errors: dict[int, list[str]] = field(default_factory=dict)


def read_plan_csv(text: str) -> tuple[list[PlanRow], dict[int, list[str]]]:
    """The plan table's rows, or per-line errors (line 1 is the header)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [
        c
        for c in ("Enabler", "Objective ref", "Action ref", "Action", "RAG status")
        if c not in (reader.fieldnames or [])
    ]
    if missing:
        return [], {1: [f"Missing column(s): {', '.join(missing)}"]}
    rows, errors = [], {}
    for line, raw in enumerate(reader, start=2):
        row, problems = _check_row({k: (v or "").strip() for k, v in raw.items() if k})
        if problems:
            errors[line] = problems
        elif row is not None:
            rows.append(row)
    if not rows and not errors:
        errors[1] = ["The file has no rows."]
    return rows, errors


def _check_row(raw: dict[str, str]) -> tuple[PlanRow | None, list[str]]:
    problems = [
        f"{name} is empty"
        for name in ("Enabler", "Objective ref", "Action ref", "Action")
        if not raw.get(name)
    ]
    status = parse_status(raw.get("RAG status", ""))
    if status is None:
        problems.append(
            f"RAG status '{raw.get('RAG status', '')}' is not one of: "
            + ", ".join(STATUSES.values())
        )
    due = None
    if raw.get("Due date"):
        try:
            due = date.fromisoformat(raw["Due date"])
        except ValueError:
            problems.append(f"Due date '{raw['Due date']}' is not a date (YYYY-MM-DD)")
    if problems:
        return None, problems
    return PlanRow(
        enabler=raw["Enabler"][:200],
        objective_ref=raw["Objective ref"][:20],
        objective=(raw.get("Objective") or raw["Objective ref"])[:500],
        action_ref=raw["Action ref"][:20],
        action=raw["Action"],
        owners=raw.get("Owners", "")[:500],
        timeline=raw.get("Timeline", "")[:200],
        due_on=due,
        status=status or "not_started",
        commentary=raw.get("Commentary", ""),
    ), []


#: the add-action form's fields -> the plan table's columns
_FORM_COLUMNS = {
    "enabler": "Enabler",
    "objective_ref": "Objective ref",
    "objective": "Objective",
    "action_ref": "Action ref",
    "action": "Action",
    "owners": "Owners",
    "timeline": "Timeline",
    "due_on": "Due date",
    "status": "RAG status",
    "commentary": "Commentary",
}


def row_from_form(values: dict[str, str]) -> tuple[PlanRow | None, dict[str, str]]:
    """The add-action form checked like a row of the plan table: (row, {field: message})."""
    raw = {column: values.get(name, "") for name, column in _FORM_COLUMNS.items()}
    raw["RAG status"] = STATUSES.get(raw["RAG status"], raw["RAG status"]) or "Not started"
    row, problems = _check_row(raw)
    by_column = {column: name for name, column in _FORM_COLUMNS.items()}
    errors = {}
    for problem in problems:
        column = next((c for c in by_column if problem.startswith(c)), "Action")
        errors.setdefault(by_column[column], problem)
    return row, errors


def import_plan_csv(actor: Any, *, text: str) -> ImportReport:
    """Import the council's plan table: all rows or, when any row is wrong, none.

    Rows are matched by action reference: new ones are added, known ones updated; a status or
    commentary that changes is written to the action's history like a manager's edit.
    """
    ensure_can_edit(actor)
    rows, errors = read_plan_csv(text)
    report = ImportReport(rows=len(rows), errors=errors)
    if errors:
        return report
    session = current_session()
    known = set(session.scalars(select(PlanAction.reference)))
    for row in rows:
        before = session.scalars(
            select(PlanAction).where(PlanAction.reference == row.action_ref)
        ).first()
        had = (before.status, before.commentary) if before else None
        action = _upsert(row, actor.id, f"{actor.label} (CSV import)")
        session.flush()
        report.created += row.action_ref not in known
        report.updated += row.action_ref in known
        report.status_changes += had != (action.status, action.commentary)
        known.add(row.action_ref)
    record_event(
        "plan_imported",
        f"Delivery plan imported: {report.created} new, {report.updated} updated action(s)",
        actor=actor,
        detail={"rows": report.rows, "created": report.created, "updated": report.updated},
    )
    return report


def export_plan_csv() -> str:
    """The whole plan as the table the import reads (a round trip changes nothing)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for enabler in plan_tree():
        for objective in enabler.objectives:
            for action in objective.actions:
                writer.writerow(
                    [
                        enabler.name,
                        objective.reference,
                        objective.title,
                        action.reference,
                        action.description,
                        action.owners,
                        action.timeline,
                        action.due_on.isoformat() if action.due_on else "",
                        STATUSES[action.status],
                        action.commentary,
                    ]
                )
    return out.getvalue()
