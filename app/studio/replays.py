"""What-if: replay past and open cases through a draft or a version, in memory, and report.

Each case's inputs come from its audit log: ``case_started`` (the notification), every
``task_completed`` (element id and form data), ``service_task_run`` (results), ``timer_fired``
(the instant timers fired "as of") and ``message_received``.  The case is replayed twice, through
the version it ran on (the baseline, which also checks the recording is complete) and through
the candidate, so the comparison is like for like.

Service tasks are fed their recorded results.  A call the recording does not have (a new service
task) runs the operator only when it is pure (``service_tasks/``: arithmetic, no database, no
letters); anything else gets an empty stand-in result and is listed in the report's notes, so a
replay never sends a letter, issues a notice or writes to the database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

import service_tasks
from app.audit import AuditEvent
from app.cases import Case
from app.core.db import utcnow
from app.core.uow import current_session
from app.engine import (
    RecordedInput,
    RecordedService,
    ReplayDifference,
    compare_traces,
    replay_case,
)
from app.process_models import ProcessModelVersion, version_spec
from app.studio.services import require_owner

#: the most cases one report replays (newest first)
MAX_CASES = 500
_INPUT_EVENTS = frozenset({"task_completed", "timer_fired", "message_received"})


@dataclass(frozen=True)
class ReplayRow:
    """One case's what-if result."""

    case_id: int
    reference: str | None
    status: str
    version: int
    difference: ReplayDifference | None
    #: why the case could not be compared (its history does not replay on its own version)
    problem: str | None = None


def replay_cases(
    actor: Any, *, model_id: str, candidate: dict[str, Any], limit: int = MAX_CASES
) -> list[ReplayRow]:
    """Replay the model's cases (closed and open, newest first) through ``candidate`` (a spec)."""
    require_owner(actor)
    stmt = (
        select(Case)
        .join(ProcessModelVersion, Case.model_version_id == ProcessModelVersion.id)
        .where(ProcessModelVersion.model_id == model_id)
        .order_by(Case.id.desc())
        .limit(limit)
    )
    now = utcnow()
    return [_replay_one(case, candidate, now) for case in current_session().scalars(stmt)]


def _replay_one(case: Case, candidate: dict[str, Any], now: datetime) -> ReplayRow:
    row = {
        "case_id": case.id,
        "reference": case.reference,
        "status": case.status,
        "version": case.model_version.version,
    }
    history = case_history(case)
    if history is None:
        return ReplayRow(**row, difference=None, problem="its notification was not recorded")
    seed, inputs, services = history
    opened = case.opened_at

    def run(spec: dict[str, Any]) -> Any:
        return replay_case(spec, seed, opened, inputs, services, stand_in_service, until=now)

    baseline = run(version_spec(case.model_version))
    if baseline.stopped:
        problem = f"its history does not replay on its own version: {baseline.stopped}"
        return ReplayRow(**row, difference=None, problem=problem)
    return ReplayRow(**row, difference=compare_traces(baseline, run(candidate)))


def case_history(
    case: Case,
) -> tuple[dict[str, Any], list[RecordedInput], list[RecordedService]] | None:
    """A case's seed data, recorded inputs in order and recorded service results."""
    stmt = select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    seed: dict[str, Any] | None = None
    inputs: list[RecordedInput] = []
    services: list[RecordedService] = []
    for event in current_session().scalars(stmt):
        detail = event.detail or {}
        if event.event_type == "case_started" and "notification" in detail:
            seed = {
                "notification": detail["notification"],
                "case": {"id": case.id, "reference": case.reference, "school_urn": case.school_urn},
            }
        elif event.event_type == "service_task_run":
            services.append(
                RecordedService(detail["element_id"], detail["operator"], detail.get("result", {}))
            )
        elif event.event_type in _INPUT_EVENTS:
            _add_input(inputs, event)
    return None if seed is None else (seed, inputs, services)


def _add_input(inputs: list[RecordedInput], event: AuditEvent) -> None:
    detail = event.detail or {}
    if event.event_type == "task_completed":
        item = RecordedInput("task", event.at, detail.get("element_id"), detail.get("data") or {})
    elif event.event_type == "message_received":
        item = RecordedInput(
            "message", event.at, data=detail.get("payload") or {}, name=detail.get("name")
        )
    else:
        as_of = datetime.fromisoformat(detail["as_of"]) if detail.get("as_of") else event.at
        item = RecordedInput("timer", as_of)
        if inputs and inputs[-1].kind == "timer" and inputs[-1].at == as_of:
            return  # several timers fired in one run: one firing replays them all
    inputs.append(item)


def stand_in_service(operator: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run a pure operator (``service_tasks/``); anything else returns an empty stand-in."""
    spec = service_tasks.operators().get(operator)
    if spec is not None and spec.func.__module__.startswith("service_tasks."):
        return service_tasks.call(operator, params)
    return {}


def summary(rows: Iterable[ReplayRow]) -> dict[str, int]:
    """How many cases were replayed, changed, re-routed or could not be compared."""
    rows = list(rows)
    return {
        "cases": len(rows),
        "changed": sum(1 for r in rows if r.difference and r.difference.changed),
        "rerouted": sum(1 for r in rows if r.difference and r.difference.routed_differently),
        "not_compared": sum(1 for r in rows if r.problem),
    }


_CSV_COLUMNS = (
    "reference",
    "status",
    "version",
    "routed_differently",
    "element",
    "what_changes",
    "letters_added",
    "letters_removed",
    "deadlines_changed",
    "outcome_before",
    "outcome_after",
    "notes",
)


def report_csv(rows: Iterable[ReplayRow]) -> str:
    """The report as CSV, one line per case (spreadsheet formulas neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_CSV_COLUMNS)
    for row in rows:
        d = row.difference
        values = [
            row.reference or row.case_id,
            row.status,
            row.version,
            "yes" if d and d.routed_differently else "no",
            d.element_id if d else "",
            (d.description if d else row.problem) or "",
            "; ".join(d.letters_added) if d else "",
            "; ".join(d.letters_removed) if d else "",
            "; ".join(d.deadlines_changed) if d else "",
            d.outcome_before if d else "",
            d.outcome_after if d else "",
            "; ".join(d.notes) if d else "",
        ]
        writer.writerow([_cell(v) for v in values])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
