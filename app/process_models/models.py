"""Deployed process-model versions (immutable once written) and drafts being edited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, utcnow


class ProcessModelVersion(Base):
    """One deployed version of a process model: its files, parsed spec and who deployed it."""

    __tablename__ = "process_model_versions"
    __table_args__ = (
        UniqueConstraint("model_id", "version", name="uq_process_model_versions_model_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the model's id: its folder under bpmn/ and the id of its main process
    model_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    #: sha256 over every file's name and content
    content_hash: Mapped[str] = mapped_column(String(64))
    #: file name -> text, BPMN/DMN plus a snapshot of each form the model uses (forms/<key>...)
    files: Mapped[dict[str, str]] = mapped_column(JSON, deferred=True)
    #: the serialized SpiffWorkflow specs, kept once here instead of in every case
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    serializer_version: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_by: Mapped[str] = mapped_column(String(250))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: new cases start on this version from this instant on (None: from deployment)
    effective_from: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessModelDraft(Base):
    """The work in progress on a model: never run, never seen by cases, until deployed."""

    __tablename__ = "process_model_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: one draft per model (process owners share it; the version counter catches overwrites)
    model_id: Mapped[str] = mapped_column(String(100), unique=True)
    #: file name -> text: BPMN/DMN and the forms (``forms/<key>.schema.json``/``.ui.json``)
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    #: the deployed version the draft was started from (None: a new model)
    based_on_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_model_versions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by: Mapped[str] = mapped_column(String(250))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: optimistic-lock counter: saving over someone else's newer save fails (HTTP 409)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
