"""The append-only audit log: every state change of a case and of the models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """One thing that happened, who did it and the inputs needed to replay it."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_case_at", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    #: the user who acted; None for the system (timers, service tasks)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(250), default="system")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: e.g. case_started, task_claimed, task_completed, service_task_run, stage_changed,
    #: decision_made, timer_fired, case_closed, model_deployed, step_failed
    event_type: Mapped[str] = mapped_column(String(40), index=True)
    #: a short human sentence for timelines
    summary: Mapped[str] = mapped_column(String(500))
    #: the inputs (form data, service results, timer instants) and decision details
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
