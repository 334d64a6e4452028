"""What the studio keeps: every move of a case onto another version, so it can be undone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, utcnow


class CaseMigration(Base):
    """One case moved from one model version to another, with the state it had before."""

    __tablename__ = "case_migrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("process_model_versions.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("process_model_versions.id"))
    #: as_is or mapped (the dry run's verdict when the case was moved)
    verdict: Mapped[str] = mapped_column(String(10))
    #: the case's serialized workflow before the move (restored by an undo)
    previous_state: Mapped[str] = mapped_column(Text)
    previous_serializer_version: Mapped[str] = mapped_column(String(20))
    migrated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    migrated_by: Mapped[str] = mapped_column(String(250))
    migrated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: set when the move was undone (a move is undone at most once)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(250))
