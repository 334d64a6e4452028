"""A file attached to a case; the bytes live under ``INSTANCE_DIR/attachments/``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.db import Base, UTCDateTime, utcnow


class Attachment(Base):
    """Evidence added to a case (a register extract, a letter from a GP, a photo of a note)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: the name the file had on the uploader's computer (without folders), shown and downloaded
    filename: Mapped[str] = mapped_column(String(255))
    #: the type found from the file's first bytes (never the browser's claim)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: random file name inside the attachments folder (nothing a user typed reaches the disk)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship(lazy="joined")
