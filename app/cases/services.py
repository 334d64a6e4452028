"""Case use cases: open a case from a notification, claim and complete tasks, fire timers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from blinker import Namespace
from flask import current_app
from sqlalchemy import select

from app.accounts import permissions
from app.accounts.models import School, User
from app.audit import record_event
from app.cases import runner
from app.cases.models import Case, Task
from app.cases.queries import get_case, get_task
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.uow import current_session
from app.engine import EngineError, NotWaiting, TaskNotReady
from app.forms import validate_submission
from app.process_models import latest_version, version_form

INTAKE_FORM = "notification"
#: sent in ``open_case``'s unit of work once the case row exists (sender: the case; keyword
#: ``notification``: the validated F1 data), so read models can project it without a workflow
case_opened = Namespace().signal("case-opened")


def open_case(actor: Any, *, data: Any) -> Case:
    """Start a case from a *Notification of Attendance Intervention*.

    The body is validated against the notification form pinned to the deployed case model; any
    problem raises ``Invalid`` and nothing is written.
    """
    if not permissions.can_notify(actor):
        raise Forbidden("Only schools and attendance advisers can submit notifications.")
    version = latest_version(current_app.config["CASE_PROCESS_MODEL"])
    if version is None:
        raise Conflict("The attendance pathway has not been deployed yet.")
    form = version_form(version, INTAKE_FORM)
    errors = validate_submission(form.schema, data)
    if errors:
        raise Invalid("The notification has errors.", errors)
    urn = data["school"]["urn"]
    if actor.role == "school" and urn != actor.school_urn:
        raise Invalid(
            "The notification has errors.",
            {"school.urn": ["You can only notify the service about pupils at your own school"]},
        )
    session = current_session()
    if session.get(School, urn) is None:
        raise Invalid(
            "The notification has errors.",
            {"school.urn": [f"No school with URN {urn} is registered"]},
        )
    pupil = data["pupil"]
    now = utcnow()
    case = Case(
        school_urn=urn,
        pupil_upn=pupil["upn"].upper(),
        pupil_name=f"{pupil['forenames']} {pupil['surname']}",
        stage="triage",
        status="open",
        opened_at=now,
        opened_by_id=actor.id,
        model_version_id=version.id,
        model_version=version,
        state="{}",
        serializer_version="",
    )
    session.add(case)
    session.flush()
    case.reference = f"ATT-{now.year}-{case.id:06d}"
    record_event(
        "case_started",
        f"Notification received; case {case.reference} opened on "
        f"{version.model_id} v{version.version}",
        case_id=case.id,
        actor=actor,
        detail={
            "notification": data,
            "model_id": version.model_id,
            "model_version": version.version,
        },
    )
    case_opened.send(case, notification=data)
    seed = {
        "notification": data,
        "case": {"id": case.id, "reference": case.reference, "school_urn": urn},
    }
    runner.start(case, seed, actor, now=now)
    session.flush()
    return case


def start_process(
    actor: Any,
    *,
    kind: str,
    model_id: str,
    school_urn: str,
    reference: str,
    seed: dict[str, Any],
    subject_upn: str = "",
    subject_name: str = "",
    adviser_id: int | None = None,
    started: str = "Process started",
) -> Case:
    """Start a workflow that is not a statutory case (a school stage, a targeting meeting).

    It runs on the latest deployed version of ``model_id`` like a case does: same task
    projection, timers, messages, audit and scoping by school.  ``reference`` may contain
    ``{id}``, filled in once the row has one; the row id and reference are seeded into the data
    as ``process``.  Raises ``Conflict`` when the model is not deployed.
    """
    version = latest_version(model_id)
    if version is None:
        raise Conflict(f"The process model '{model_id}' has not been deployed yet.")
    session = current_session()
    now = utcnow()
    process = Case(
        kind=kind,
        school_urn=school_urn,
        pupil_upn=subject_upn,
        pupil_name=subject_name,
        stage="started",
        status="open",
        opened_at=now,
        opened_by_id=getattr(actor, "id", None),
        adviser_id=adviser_id,
        model_version_id=version.id,
        model_version=version,
        state="{}",
        serializer_version="",
    )
    session.add(process)
    session.flush()
    process.reference = reference.format(id=process.id)
    record_event(
        "case_started",
        f"{started}: {process.reference} on {version.model_id} v{version.version}",
        case_id=process.id,
        actor=actor,
        detail={"kind": kind, "model_id": version.model_id, "model_version": version.version},
    )
    data = {
        **seed,
        "process": {"id": process.id, "reference": process.reference, "school_urn": school_urn},
    }
    runner.start(process, data, actor, now=now)
    session.flush()
    return process


def send_message(
    actor: Any,
    *,
    case_id: int,
    name: str,
    payload: dict[str, Any],
    expected_version: int | None = None,
) -> Case:
    """Deliver an event (e.g. ``pupil_left_roll``) to an open case's workflow."""
    case = get_case(actor, case_id)
    if not permissions.can_send_messages(actor):
        raise Forbidden("Only council staff can send events to a case.")
    if case.status != "open":
        raise Conflict("This case is not open.")
    if expected_version is not None and expected_version != case.version:
        raise Conflict("This case changed since you loaded it. Reload and try again.")
    try:
        runner.deliver_message(case, name, payload, actor)
    except NotWaiting as exc:
        waiting = ", ".join(case.waiting_messages or []) or "none"
        raise Conflict(f"This case is not waiting for '{name}' (it accepts: {waiting}).") from exc
    current_session().flush()
    return case


def claim_task(actor: Any, *, task_id: int) -> Task:
    """Assign an open task to the actor."""
    task = get_task(actor, task_id)
    if not permissions.can_work_task(actor, task):
        raise Forbidden("You cannot work on this task.")
    if task.status != "open":
        raise Conflict("This task is no longer open.")
    if task.assignee_id not in (None, actor.id):
        raise Conflict(
            "This task is already assigned to "
            f"{task.assignee.name if task.assignee else 'someone else'}."
        )
    if task.assignee_id != actor.id:
        _assign(task, actor)
        record_event(
            "task_claimed",
            f"Task '{task.title}' claimed",
            case_id=task.case_id,
            actor=actor,
            detail={"task_id": task.id, "element_id": task.element_id},
        )
        current_session().flush()
    return task


def _assign(task: Task, actor: Any) -> None:
    """Set the task's assignee through the relationship, so the response shows who it is."""
    task.assignee = current_session().get(User, actor.id)


def complete_task(
    actor: Any, *, task_id: int, data: Any, expected_version: int | None = None
) -> Task:
    """Complete a human task with its form data and run the case on to its next wait."""
    task = get_task(actor, task_id)
    if not permissions.can_work_task(actor, task):
        raise Forbidden("You cannot work on this task.")
    case = task.case
    if task.status != "open" or case.status != "open":
        raise Conflict("This task is no longer open.")
    if expected_version is not None and expected_version != case.version:
        raise Conflict("This case changed since you loaded it. Reload and try again.")
    if task.assignee_id not in (None, actor.id):
        raise Conflict("This task is assigned to someone else.")
    if not isinstance(data, dict):
        raise Invalid("The form has errors.", {"_root": ["Send the form data as a JSON object"]})
    if task.form_name:
        errors = validate_submission(version_form(case.model_version, task.form_name).schema, data)
        if errors:
            raise Invalid("The form has errors.", errors)
    now = utcnow()
    task.status, task.completed_at, task.completed_by_id = "completed", now, actor.id
    if task.assignee_id is None:
        _assign(task, actor)
    record_event(
        "task_completed",
        f"Task '{task.title}' completed",
        case_id=case.id,
        actor=actor,
        detail={
            "task_id": task.id,
            "element_id": task.element_id,
            "form": task.form_name,
            "data": data,
        },
    )
    try:
        runner.complete(case, task, data, actor)
    except TaskNotReady as exc:
        raise Conflict("This task is no longer open.") from exc
    current_session().flush()
    return task


def run_due_timers(now: datetime, factory: Any) -> list[dict[str, Any]]:
    """Fire every timer due at ``now``, each case in its own unit of work.

    Rows are locked (``FOR UPDATE SKIP LOCKED`` where the database supports it) and the case's
    version counter guards the write, so two workers never fire the same timer twice.
    """
    from app.core.uow import read_session, unit_of_work

    with read_session(factory) as session:
        ids = list(
            session.scalars(
                select(Case.id)
                .where(Case.status == "open", Case.next_timer_at <= now)
                .order_by(Case.next_timer_at)
            )
        )
    outcomes = []
    for case_id in ids:
        try:
            with unit_of_work(factory) as session:
                outcomes.append(_fire_case(session, case_id, now))
        except Conflict:
            continue  # another worker fired this case's timers first; its write won
        except (EngineError, runner.StepFailed) as exc:
            message = exc.message
            element_id = (
                exc.details.get("element_id")
                if isinstance(exc, runner.StepFailed)
                else exc.element_id
            )
            with unit_of_work(factory):
                _record_failure(case_id, message, element_id)
            outcomes.append({"case_id": case_id, "fired": [], "error": message})
    return [o for o in outcomes if o is not None]


def _fire_case(session: Any, case_id: int, now: datetime) -> dict[str, Any] | None:
    stmt = select(Case).where(Case.id == case_id, Case.status == "open", Case.next_timer_at <= now)
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Case)
    case = session.scalars(stmt).first()
    if case is None:
        return None  # another worker got there first, or the case moved on
    result = runner.fire_timers(case, now)
    return {
        "case_id": case.id,
        "reference": case.reference,
        "fired": [t["element_id"] for t in result.fired_timers],
    }


def _record_failure(case_id: int, message: str, element_id: str | None) -> None:
    case = current_session().get(Case, case_id)
    if case is None:
        raise NotFound(f"No case {case_id}.")
    case.status, case.last_error = "error", message[:600]
    record_event(
        "step_failed",
        f"A timer step failed: {message}"[:500],
        case_id=case.id,
        detail={"element_id": element_id, "message": message},
    )


#: roles that may move caseloads between advisers and chase work
CASELOAD_MANAGERS = frozenset({"manager", "admin"})
#: the longest reminder message kept
REMINDER_MAX = 500


def reassign_caseload(
    actor: Any,
    *,
    to_adviser_id: int,
    from_adviser_id: int | None = None,
    case_ids: list[int] | None = None,
) -> list[Case]:
    """Move open cases to another adviser: one adviser's whole caseload, or the chosen cases.

    The previous adviser's open tasks on those cases move too.  Every case changes through the
    ORM (its version counter guards the write) and gets a ``case_reassigned`` audit event.
    """
    if actor.role not in CASELOAD_MANAGERS:
        raise Forbidden("Only managers can reassign caseloads.")
    session = current_session()
    target = session.get(User, to_adviser_id)
    if target is None or target.role != "adviser" or not target.active:
        raise Invalid(
            "Choose an adviser to give the cases to.", {"to_adviser": ["Choose an adviser"]}
        )
    if from_adviser_id is None and not case_ids:
        raise Invalid("Choose whose caseload to move, or some cases.", {"cases": ["Choose cases"]})
    stmt = select(Case).where(Case.status == "open").order_by(Case.id)
    if from_adviser_id is not None:
        stmt = stmt.where(Case.adviser_id == from_adviser_id)
    if case_ids:
        stmt = stmt.where(Case.id.in_(case_ids))
    moved = [c for c in session.scalars(stmt) if c.adviser_id != target.id]
    for case in moved:
        _reassign(actor, case, target)
    session.flush()
    return moved


def _reassign(actor: Any, case: Case, target: User) -> None:
    previous = case.adviser
    tasks = []
    if previous is not None:
        tasks = list(
            current_session().scalars(
                select(Task).where(
                    Task.case_id == case.id, Task.status == "open", Task.assignee_id == previous.id
                )
            )
        )
    case.adviser = target
    for task in tasks:
        task.assignee = target
    record_event(
        "case_reassigned",
        f"Case reassigned from {previous.name if previous else 'nobody'} to {target.name}",
        case_id=case.id,
        actor=actor,
        detail={
            "from_adviser_id": previous.id if previous else None,
            "to_adviser_id": target.id,
            "task_ids": [t.id for t in tasks],
        },
    )


def send_reminders(actor: Any, *, case_ids: list[int], message: str) -> int:
    """Record a reminder on each chosen open case for whoever works it (no e-mail is sent).

    The reminder goes to the case's adviser, or else to the assignees of its open tasks; it is
    a ``reminder_sent`` audit event, shown on the case's timeline.
    """
    if actor.role not in CASELOAD_MANAGERS:
        raise Forbidden("Only managers can send reminders.")
    text = " ".join((message or "").split())[:REMINDER_MAX]
    if not text:
        raise Invalid("Write the reminder.", {"message": ["Write the reminder"]})
    if not case_ids:
        raise Invalid("Choose the cases to send the reminder about.", {"cases": ["Choose cases"]})
    session = current_session()
    cases = session.scalars(
        select(Case).where(Case.id.in_(case_ids), Case.status == "open").order_by(Case.id)
    ).all()
    for case in cases:
        tasks = session.scalars(
            select(Task).where(Task.case_id == case.id, Task.status == "open")
        ).all()
        people = [case.adviser] if case.adviser else [t.assignee for t in tasks if t.assignee]
        names = ", ".join(sorted({p.name for p in people})) or "the adviser team"
        record_event(
            "reminder_sent",
            f"Reminder to {names}: {text}"[:500],
            case_id=case.id,
            actor=actor,
            detail={
                "to_user_ids": sorted({p.id for p in people}),
                "message": text,
                "open_task_ids": [t.id for t in tasks],
            },
        )
    return len(cases)
