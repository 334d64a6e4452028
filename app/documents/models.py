"""Generated documents (letters): which template and data produced which text, for evidence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, utcnow


class Document(Base):
    """One rendered letter for one recipient of a case."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: the template key, e.g. "D4" (letters/D4.html)
    template: Mapped[str] = mapped_column(String(40))
    #: sha256 of the template source that rendered it (templates are legal evidence)
    template_version: Mapped[str] = mapped_column(String(64))
    #: the person the letter is addressed to
    recipient: Mapped[str] = mapped_column(String(200))
    #: sha256 of the canonical JSON of the merge data (the data snapshot)
    data_hash: Mapped[str] = mapped_column(String(64))
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
