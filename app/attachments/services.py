"""Adding attachments: the type is read from the file's first bytes, the size is capped, and the
file is stored under a random name in a folder outside the web root."""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from pathlib import Path, PurePath
from typing import Any

from app.attachments.models import Attachment
from app.audit import record_event
from app.cases import get_case
from app.core.db import utcnow
from app.core.errors import Forbidden, Invalid
from app.core.uow import current_session

#: content type → (file name endings accepted, plain-English name)
ALLOWED_TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "application/pdf": ((".pdf",), "PDF"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        (".docx",),
        "Word document (DOCX)",
    ),
    "image/png": ((".png",), "PNG image"),
    "image/jpeg": ((".jpg", ".jpeg"), "JPEG image"),
}
#: roles that may add files (managers read cases only; schools add to their own school's cases)
ATTACHERS = frozenset({"school", "adviser", "admin"})
FIELD = "file"
TYPES_SENTENCE = "The selected file must be a PDF, Word document (DOCX), PNG or JPEG"


def can_add_attachments(actor: Any) -> bool:
    """Whether the actor may add files to the cases they can see."""
    return getattr(actor, "role", None) in ATTACHERS


def detect_type(content: bytes) -> str | None:
    """The content type shown by the file's own bytes (magic numbers), or None if not allowed."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"PK\x03\x04") and _is_docx(content):
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return None


def _is_docx(content: bytes) -> bool:
    """A DOCX is a ZIP holding ``[Content_Types].xml`` and ``word/document.xml``."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return {"[Content_Types].xml", "word/document.xml"} <= names


def clean_filename(name: str | None) -> str:
    """The file's own name without folders or control characters (at most 255 characters)."""
    base = PurePath((name or "").replace("\\", "/")).name
    text = "".join(ch for ch in base if ch.isprintable()).strip()
    return text[-255:] or "attachment"


def attachment_path(storage_dir: Path, attachment: Attachment) -> Path:
    """Where the attachment's bytes are stored."""
    return Path(storage_dir) / attachment.storage_name


def add_attachment(
    actor: Any,
    *,
    case_id: int,
    filename: str | None,
    content: bytes,
    storage_dir: Path,
    max_bytes: int,
) -> Attachment:
    """Check and store a file for a case the actor can see; audited as ``attachment_added``."""
    case = get_case(actor, case_id)
    if not can_add_attachments(actor):
        raise Forbidden("You cannot add files to cases.")
    name = clean_filename(filename)
    _check_file(name, content, max_bytes)
    content_type = detect_type(content) or ""
    digest = hashlib.sha256(content).hexdigest()
    storage_name = secrets.token_hex(16) + ALLOWED_TYPES[content_type][0][0]
    # The file is written before the row commits: a failed commit leaves an unreferenced file
    # (harmless, named randomly) rather than a row whose file is missing.
    folder = Path(storage_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / storage_name).write_bytes(content)
    attachment = Attachment(
        case_id=case.id,
        filename=name,
        content_type=content_type,
        size_bytes=len(content),
        sha256=digest,
        storage_name=storage_name,
        uploaded_by_id=actor.id,
        uploaded_at=utcnow(),
    )
    session = current_session()
    session.add(attachment)
    session.flush()
    record_event(
        "attachment_added",
        f"File '{name}' added",
        case_id=case.id,
        actor=actor,
        detail={
            "attachment_id": attachment.id,
            "filename": name,
            "content_type": content_type,
            "size_bytes": len(content),
            "sha256": digest,
        },
    )
    return attachment


def _check_file(name: str, content: bytes, max_bytes: int) -> None:
    """Refuse empty, too big, or mistyped files (the bytes must match the name's ending)."""
    if not content:
        raise Invalid("The file has errors.", {FIELD: ["The selected file is empty"]})
    if len(content) > max_bytes:
        limit = (
            f"{max_bytes / (1024 * 1024):g} MB"
            if max_bytes >= 1024 * 1024
            else f"{max_bytes} bytes"
        )
        raise Invalid(
            "The file has errors.", {FIELD: [f"The selected file must be smaller than {limit}"]}
        )
    content_type = detect_type(content)
    endings = ALLOWED_TYPES[content_type][0] if content_type else ()
    if content_type is None or not name.lower().endswith(endings):
        raise Invalid("The file has errors.", {FIELD: [TYPES_SENTENCE]})
