"""Who may see and do what.  Every case and task query goes through these scopes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false

#: roles that may see every case (advisers work them, managers read them)
CASE_READERS_ALL = frozenset({"adviser", "manager", "admin"})
NOTIFIERS = frozenset({"school", "adviser", "admin"})
MODEL_READERS = frozenset({"adviser", "manager", "process_owner", "admin"})
MODEL_MANAGERS = frozenset({"process_owner", "admin"})


def scope_cases(stmt: Select[Any], actor: Any, case_cls: Any) -> Select[Any]:
    """Restrict a case query to what ``actor`` may see (schools: their own school only)."""
    if actor.role in CASE_READERS_ALL:
        return stmt
    if actor.role == "school" and actor.school_urn:
        return stmt.where(case_cls.school_urn == actor.school_urn)
    return stmt.where(false())


def scope_tasks(stmt: Select[Any], actor: Any, task_cls: Any, case_cls: Any) -> Select[Any]:
    """Restrict a task query: schools see their own school's school-lane tasks only."""
    if actor.role in CASE_READERS_ALL:
        return stmt
    if actor.role == "school" and actor.school_urn:
        return stmt.where(case_cls.school_urn == actor.school_urn, task_cls.role == "school")
    return stmt.where(false())


def can_work_task(actor: Any, task: Any) -> bool:
    """Whether ``actor`` may claim or complete ``task`` (managers read adviser work only)."""
    if actor.role == "admin":
        return True
    if actor.role != task.role:
        return False
    return actor.role != "school" or task.case.school_urn == actor.school_urn


def can_notify(actor: Any) -> bool:
    """Schools and advisers may submit a Notification of Attendance Intervention."""
    return actor.role in NOTIFIERS


def can_send_messages(actor: Any) -> bool:
    """Council caseworkers (and systems acting as them) may send events into cases."""
    return actor.role in ("adviser", "manager", "admin")


def can_read_models(actor: Any) -> bool:
    """Council staff may list process models."""
    return actor.role in MODEL_READERS


def can_manage_models(actor: Any) -> bool:
    """Process owners deploy models."""
    return actor.role in MODEL_MANAGERS
