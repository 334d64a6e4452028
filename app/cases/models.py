"""Cases (one statutory attendance case per notification) and their human-task projection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import School, User
from app.core.db import Base, UTCDateTime, utcnow
from app.process_models.models import ProcessModelVersion

#: the kind of the statutory attendance case (the only kind case lists and KPIs count)
STATUTORY = "case"


class Case(Base):
    """A case: typed columns for queries plus the workflow state (without its spec)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_next_timer", "status", "next_timer_at"),
        Index("ix_cases_school_status", "school_urn", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: which workflow this row runs: ``case`` (the statutory case), ``school_stage`` (a school's
    #: graduated approach for one pupil) or ``tsm`` (a termly targeting support meeting); case
    #: lists, KPIs and returns count ``case`` rows only (see STATUTORY)
    kind: Mapped[str] = mapped_column(String(20), default="case", server_default="case", index=True)
    #: e.g. ATT-2026-000123 (year opened + id)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    school_urn: Mapped[str] = mapped_column(ForeignKey("schools.urn"))
    pupil_upn: Mapped[str] = mapped_column(String(13), index=True)
    pupil_name: Mapped[str] = mapped_column(String(200))
    #: triage, school_action, monitoring, contract, enforcement, legal, closed
    stage: Mapped[str] = mapped_column(String(20), index=True, default="triage")
    #: open, closed, error
    status: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closure_reason: Mapped[str | None] = mapped_column(String(40))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    adviser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("process_model_versions.id"))
    #: earliest due timer of the workflow; the timer job selects on it
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the serialized workflow without its spec (compact JSON)
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    #: message names the workflow waits for (e.g. pupil_left_roll), for routing inbound events
    waiting_messages: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: what a finished non-statutory process handed back (its ``process_result`` data, e.g. a
    #: school stage's referral evidence); None for cases and unfinished processes
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the last engine failure (a script refused by the sandbox, a failing service)
    last_error: Mapped[str | None] = mapped_column(String(600))
    #: optimistic-lock counter: a write based on a stale copy fails (HTTP 409)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    school: Mapped[School] = relationship(lazy="joined")
    model_version: Mapped[ProcessModelVersion] = relationship(lazy="select")
    adviser: Mapped[User | None] = relationship(foreign_keys=[adviser_id], lazy="joined")


class Task(Base):
    """A human task, projected from the workflow so inbox queries never load workflows."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_status_role", "status", "role"),
        Index("ix_tasks_case_status", "case_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    #: SpiffWorkflow's task id (a UUID) inside the case's workflow
    bpmn_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    #: the BPMN element id (e.g. "triage")
    element_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(100))
    #: the role that works this task (from the lane)
    role: Mapped[str] = mapped_column(String(20))
    form_name: Mapped[str | None] = mapped_column(String(100))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: open, completed, cancelled
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the task data when it became ready, used to pre-fill its form
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
