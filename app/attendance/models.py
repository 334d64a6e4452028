"""Session marks (with the history of changed codes), school calendars and penalty notices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, UTCDateTime, utcnow


class AttendanceMark(Base):
    """One register entry: a pupil's code for one session at one school.

    The unique constraint on (upn, date, session) is also the index that serves the per-pupil
    date-range reads (its leading columns are upn, date), so there is no separate (upn, date)
    index to maintain on a table that takes ~150k writes a school day.
    """

    __tablename__ = "attendance_marks"
    __table_args__ = (
        UniqueConstraint("upn", "date", "session", name="uq_attendance_marks_upn_date_session"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the school that recorded the mark
    urn: Mapped[str] = mapped_column(ForeignKey("schools.urn"))
    upn: Mapped[str] = mapped_column(String(13))
    date: Mapped[dt.date] = mapped_column(Date)
    #: "AM" or "PM"
    session: Mapped[str] = mapped_column(String(2))
    #: a national attendance code (legacy H F J Y only before 19 August 2024)
    code: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttendanceMarkChange(Base):
    """Evidence of a re-coded session: defence challenges often concern late re-coding."""

    __tablename__ = "attendance_mark_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("attendance_marks.id"), index=True)
    #: the school that sent the change (may differ from the mark's school after a transfer)
    urn: Mapped[str] = mapped_column(String(6))
    old_code: Mapped[str] = mapped_column(String(2))
    new_code: Mapped[str] = mapped_column(String(2))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the user (or system account) whose import changed the code
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    mark: Mapped[AttendanceMark] = relationship(lazy="select")


class SchoolTerm(Base):
    """A range of open dates (a term or half-term); ``urn`` None is the council default."""

    __tablename__ = "school_terms"
    __table_args__ = (Index("ix_school_terms_urn_starts_on", "urn", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[str | None] = mapped_column(ForeignKey("schools.urn"))
    #: e.g. "Autumn 1 2026"
    name: Mapped[str] = mapped_column(String(100))
    #: first and last open day, inclusive
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)


class SchoolClosure(Base):
    """A closed day or session; ``urn`` None applies to every school (bank holidays)."""

    __tablename__ = "school_closures"
    __table_args__ = (Index("ix_school_closures_urn_date", "urn", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[str | None] = mapped_column(ForeignKey("schools.urn"))
    date: Mapped[dt.date] = mapped_column(Date)
    #: "AM" or "PM" for a half-day closure; None closes the whole day
    session: Mapped[str | None] = mapped_column(String(2))
    #: bank_holiday, inset or closure
    kind: Mapped[str] = mapped_column(String(20), default="closure", server_default="closure")
    name: Mapped[str] = mapped_column(String(100))


class PenaltyNotice(Base):
    """A penalty notice issued to one parent for one child (amounts come from the DMN gate)."""

    __tablename__ = "penalty_notices"
    __table_args__ = (Index("ix_penalty_notices_upn_parent", "upn", "parent_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. PN-2027-000042 (year issued + id)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    upn: Mapped[str] = mapped_column(String(13))
    parent_name: Mapped[str] = mapped_column(String(200))
    #: the parent's name folded (case, spacing) so history finds the same parent across cases
    parent_key: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    #: the amount in pence (160.00 -> 16000)
    amount_pence: Mapped[int] = mapped_column(Integer)
    #: issued, paid, unpaid, withdrawn
    status: Mapped[str] = mapped_column(String(10), default="issued", server_default="issued")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttendanceImport(Base):
    """One session-mark file imported (upload page, API or ``pathway attendance import``).

    The import history: who, when, which file, how far it got, what it did and which rows were
    refused (row numbers as a spreadsheet shows them: the header is row 1).
    """

    __tablename__ = "attendance_imports"
    __table_args__ = (Index("ix_attendance_imports_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the file name as uploaded
    file_name: Mapped[str] = mapped_column(String(255))
    #: where the uploaded file is kept, relative to DOCUMENTS_DIR (None: read from the CLI's path)
    stored_path: Mapped[str | None] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64))
    #: upload, api or cli
    source: Mapped[str] = mapped_column(String(10))
    #: queued, running, done, failed
    status: Mapped[str] = mapped_column(String(10), default="queued")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: data rows in the file, and how many have been processed so far
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    #: the first rejected rows: [{"row": 7, "message": "..."}] (all are counted in ``rejected``)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: why the whole file failed (a missing column, an unreadable file)
    message: Mapped[str | None] = mapped_column(String(500))
