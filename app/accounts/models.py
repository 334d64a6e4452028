"""Schools, users and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, UTCDateTime, utcnow

ROLES = ("school", "adviser", "manager", "process_owner", "admin")


class School(Base):
    """A school that notifies the service; identified by its DfE URN."""

    __tablename__ = "schools"

    #: six-digit Unique Reference Number
    urn: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: LA number + establishment number (seven digits), when known
    laestab: Mapped[str | None] = mapped_column(String(7))
    #: the service's link adviser for the school (holds its termly targeting support meetings)
    link_adviser_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, name="fk_schools_link_adviser_id_users")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """Someone who signs in to the web or calls the API with a token."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: one of ROLES
    role: Mapped[str] = mapped_column(String(20))
    #: the school a ``school`` user belongs to; None for council staff
    school_urn: Mapped[str | None] = mapped_column(ForeignKey("schools.urn"), index=True)
    #: argon2 hash; None for system accounts that only use tokens
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School | None] = relationship(foreign_keys=[school_urn], lazy="joined")

    @property
    def label(self) -> str:
        """How the user appears in timelines (no personal data of pupils)."""
        return f"{self.name} ({self.role})"


class ApiToken(Base):
    """A bearer token for a system; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
