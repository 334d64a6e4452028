"""Generated documents (letters) and the versioned letter templates that produced them.

Letters are legal evidence: each document records which template version(s) rendered it, the
merge data it was built from (and its hash), and the stored file with its own hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, UTCDateTime, utcnow


class LetterTemplateVersion(Base):
    """One version of a council letter template; a saved edit never changes an old version."""

    __tablename__ = "letter_template_versions"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_letter_template_versions_name_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the template key, e.g. "D4" (a letter) or "_letter" (a layout letters extend)
    name: Mapped[str] = mapped_column(String(40))
    #: 1, 2, 3 ... per name
    version: Mapped[int] = mapped_column()
    #: "html" (sandboxed Jinja2 HTML) or "docx" (a Word template rendered with docxtpl)
    format: Mapped[str] = mapped_column(String(4), default="html")
    #: the HTML source ("" for a Word template)
    content: Mapped[str] = mapped_column(Text, default="", deferred=True)
    #: the uploaded .docx file (Word templates only)
    docx: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    #: sha256 of the source (the HTML text, or the .docx bytes)
    sha256: Mapped[str] = mapped_column(String(64))
    #: "file" (letters/ folder), "api" or "cli"
    source: Mapped[str] = mapped_column(String(10), default="file")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: who saved it, as shown in the history ("system" for files picked up from letters/)
    created_by_label: Mapped[str] = mapped_column(String(200), default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: why it changed (optional, from the editor)
    note: Mapped[str | None] = mapped_column(String(300))


class Document(Base):
    """One rendered letter for one recipient of a case."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: the template key, e.g. "D4" (letters/D4.html)
    template: Mapped[str] = mapped_column(String(40))
    #: sha256 over every template source that rendered it (letter + layouts)
    template_version: Mapped[str] = mapped_column(String(64))
    #: the letter template's version number (letter_template_versions.version)
    template_revision: Mapped[int | None] = mapped_column()
    #: every template used and its version number, e.g. {"D4": 2, "_letter": 1}
    templates_used: Mapped[dict[str, int] | None] = mapped_column(JSON)
    #: "html" or "docx": the kind of template that rendered it
    format: Mapped[str] = mapped_column(String(4), default="html", server_default="html")
    #: the person the letter is addressed to
    recipient: Mapped[str] = mapped_column(String(200))
    #: sha256 of the canonical JSON of the merge data (the data snapshot)
    data_hash: Mapped[str] = mapped_column(String(64))
    #: the merge data snapshot itself (needed to render a Word template in the worker)
    merge_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the rendered HTML ("" for Word letters)
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: pending (queued for the worker), ready, failed
    file_status: Mapped[str] = mapped_column(
        String(10), default="pending", server_default="pending"
    )
    #: the PDF, relative to DOCUMENTS_DIR
    pdf_path: Mapped[str | None] = mapped_column(String(300))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    #: the rendered Word file (Word templates only), relative to DOCUMENTS_DIR
    docx_path: Mapped[str | None] = mapped_column(String(300))
    docx_sha256: Mapped[str | None] = mapped_column(String(64))
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why the file could not be made (shown to staff; no case data)
    file_error: Mapped[str | None] = mapped_column(String(300))

    #: the case, resolved by name: documents sit below cases in the layering and never import
    #: them; the case's access rules are applied through this relationship
    case: Mapped[Any] = relationship("Case", lazy="raise", viewonly=True)
