"""The delivery plan: enablers -> objectives -> actions, with each action's status history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, UTCDateTime, utcnow

#: RAG statuses in the council's order, with the words people see
STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "overdue_issue": "Overdue / issue",
    "partial": "Partially achieved",
    "on_track": "On track",
    "completed": "Completed",
}


class PlanEnabler(Base):
    """A strategic enabler the plan's objectives are grouped under."""

    __tablename__ = "plan_enablers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: display order
    position: Mapped[int] = mapped_column(default=0)

    objectives: Mapped[list[PlanObjective]] = relationship(
        back_populates="enabler", order_by="PlanObjective.position"
    )


class PlanObjective(Base):
    """An objective of the plan, e.g. "1.2 Every school has a named attendance champion"."""

    __tablename__ = "plan_objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    enabler_id: Mapped[int] = mapped_column(ForeignKey("plan_enablers.id"), index=True)
    #: the plan's own numbering, e.g. "1.2"
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(default=0)

    enabler: Mapped[PlanEnabler] = relationship(back_populates="objectives")
    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="objective", order_by="PlanAction.position"
    )


class PlanAction(Base):
    """An action towards an objective, with owners, timeline, RAG status and commentary."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("plan_objectives.id"), index=True)
    #: e.g. "1.2a"
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str] = mapped_column(Text)
    #: who leads it (free text: roles or teams)
    owners: Mapped[str] = mapped_column(String(500), default="")
    #: the timeline as the plan words it, e.g. "Autumn term 2026"
    timeline: Mapped[str] = mapped_column(String(200), default="")
    #: when it is due, if the plan gives a date ("overdue" is shown once it has passed)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    #: one of STATUSES (the manager's RAG rating)
    status: Mapped[str] = mapped_column(String(20), default="not_started", index=True)
    commentary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: optimistic-lock counter: an edit based on a stale copy is refused (HTTP 409)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    objective: Mapped[PlanObjective] = relationship(back_populates="actions")
    history: Mapped[list[PlanStatusChange]] = relationship(
        back_populates="action", order_by="PlanStatusChange.id.desc()"
    )


class PlanStatusChange(Base):
    """One change of an action's RAG status (or commentary), newest last."""

    __tablename__ = "plan_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    commentary: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: who, as shown in the history (kept if the account is removed); "CSV import" for imports
    changed_by: Mapped[str] = mapped_column(String(250), default="system")
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    action: Mapped[PlanAction] = relationship(back_populates="history")
