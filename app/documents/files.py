"""Turning letters into files: HTML -> PDF (WeasyPrint), Word template -> DOCX (docxtpl) and
DOCX -> PDF (LibreOffice headless, when installed); storing them under ``DOCUMENTS_DIR``.

Nothing here touches the database: the worker renders first and records the result afterwards
in a short unit of work, so no file I/O happens inside a transaction.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from app.documents import sandbox
from app.documents.letter_templates import sha256_hex

#: LibreOffice is optional; its start-up dominates (about 1.3 s per call)
SOFFICE_TIMEOUT = 180

# WeasyPrint reports every layout step at INFO; the worker's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class RenderFailed(RuntimeError):
    """A file could not be produced; the message is safe to show (no case data)."""


def documents_dir(config: Any) -> Path:
    """Where generated files live: DOCUMENTS_DIR, else INSTANCE_DIR/documents."""
    configured = config.get("DOCUMENTS_DIR") or os.environ.get("DOCUMENTS_DIR")
    return Path(configured or Path(config["INSTANCE_DIR"]) / "documents")


def store(root: Path, relative: str, data: bytes) -> str:
    """Write ``data`` atomically at ``root/relative``; returns its sha256."""
    target = resolve(root, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return sha256_hex(data)


def resolve(root: Path, relative: str) -> Path:
    """``root/relative``, refusing anything that would leave ``root``."""
    base = root.resolve()
    target = (base / relative).resolve()
    if base != target and base not in target.parents:
        raise RenderFailed("refusing a document path outside the documents folder")
    return target


def html_to_pdf(html: str) -> bytes:
    """Render a letter's HTML to PDF; no external resources are fetched (data: URIs only)."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # the Debian libraries (pango, harfbuzz) are missing
        raise RenderFailed(f"WeasyPrint cannot load its libraries: {exc}") from exc
    fetcher = URLFetcher(allowed_protocols={"data"})
    return bytes(HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf())


def render_docx(template: bytes, context: dict[str, Any]) -> bytes:
    """Fill a Word template (docxtpl) in the sandbox with autoescaping."""
    from docxtpl import DocxTemplate

    document = DocxTemplate(io.BytesIO(template))
    document.render(context, jinja_env=sandbox.docx_environment(), autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def soffice_binary() -> str | None:
    """LibreOffice's ``soffice`` when installed (SOFFICE_BIN overrides), else None."""
    configured = os.environ.get("SOFFICE_BIN")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: bytes) -> bytes | None:
    """Convert with LibreOffice headless; None when it is not installed."""
    binary = soffice_binary()
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="pathway-soffice-") as work:
        source = Path(work) / "letter.docx"
        source.write_bytes(docx)
        profile = Path(work) / "profile"
        command = [
            binary,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            work,
            str(source),
        ]
        try:
            subprocess.run(
                command,
                capture_output=True,
                timeout=SOFFICE_TIMEOUT,
                check=True,
                stdin=subprocess.DEVNULL,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise RenderFailed(f"LibreOffice could not convert the letter: {exc}") from exc
        produced = Path(work) / "letter.pdf"
        if not produced.exists():
            raise RenderFailed("LibreOffice produced no PDF")
        return produced.read_bytes()
