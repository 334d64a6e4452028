"""Saved drafts of long forms ("Save and come back later")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, utcnow


class FormDraft(Base):
    """A half-filled form kept for the user who typed it; never validated, never shared."""

    __tablename__ = "form_drafts"
    __table_args__ = (Index("ix_form_drafts_user_form", "user_id", "form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the form the data belongs to, e.g. "notification"
    form_key: Mapped[str] = mapped_column(String(100))
    #: what the user had typed, as read from the page (types converted where possible)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
