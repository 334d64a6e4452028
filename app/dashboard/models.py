"""The dashboard's own projection (pupil groups from the notification) and its indexes.

``case_flags`` is written once, when a case opens (``record_case_flags`` listens to
``app.cases.services.case_opened``), so the pupil-group filter is a typed join instead of JSON
extraction from every ``case_started`` event.  The indexes below serve the period queries
(cases opened/closed in a date range, tasks per BPMN element, audit events by type and time);
migration 0007 creates them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.audit import AuditEvent
from app.cases import Case, Task
from app.core.db import Base


class CaseFlags(Base):
    """What the notification said about the pupil, typed for filtering (one row per case)."""

    __tablename__ = "case_flags"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    #: F1 flags: SEN support, education health and care plan, social worker, free school meals
    sen_support: Mapped[bool] = mapped_column(Boolean, default=False)
    ehcp: Mapped[bool] = mapped_column(Boolean, default=False)
    social_worker: Mapped[bool] = mapped_column(Boolean, default=False)
    free_school_meals: Mapped[bool] = mapped_column(Boolean, default=False)
    #: F1 request type (monitoring, contract, advice, penalty_notice_holiday, ...)
    request_type: Mapped[str | None] = mapped_column(String(30))
    #: F1 unauthorised absences and late-after-close sessions (code U) over the evidence period
    unauthorised_sessions: Mapped[int | None] = mapped_column(Integer)
    late_sessions: Mapped[int | None] = mapped_column(Integer)


#: indexes on other features' tables that only the dashboard's queries need.  They are
#: chosen so that SQLite's planner (which has no statistics unless ANALYZE runs) drives each
#: query from a date range or from one case: cases by opening/closing time, tasks of one case
#: per element, tasks per element by completion time, tasks by completion time, and audit
#: events by type and time.
INDEXES = (
    Index("ix_cases_opened_at", Case.opened_at),
    Index("ix_cases_closed_at", Case.closed_at),
    Index("ix_tasks_case_id_element_id_status", Task.case_id, Task.element_id, Task.status),
    Index("ix_tasks_element_id_completed_at", Task.element_id, Task.completed_at),
    Index("ix_tasks_completed_at", Task.completed_at),
    Index("ix_audit_events_event_type_at", AuditEvent.event_type, AuditEvent.at),
)
