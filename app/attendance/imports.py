"""Session-mark files (domain.md section 9): upload page, API and ``pathway attendance import``.

A file is CSV with a header row::

    urn, upn, pupil_surname, pupil_forename, dob, nc_year, date, session, code,
    minutes_late, last_modified, mis_comment

Only ``urn, upn, date, session, code`` are required (the others are accepted and ignored; column
order does not matter).  Dates are ``YYYY-MM-DD`` (``DD/MM/YYYY`` as exported by MIS spreadsheets
is accepted too).  Rows go through the same checks and idempotent upsert as the marks API
(``services.import_mark_rows``) in batches of ``BATCH_ROWS``, each batch its own unit of work, so
good rows land while bad ones are reported with their CSV row number, and the import row's
progress can be polled while it runs.  Running the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.accounts import User, get_user
from app.attendance import services
from app.attendance.models import AttendanceImport
from app.attendance.permissions import can_upload_mark_files
from app.audit import record_event
from app.core.db import utcnow
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.uow import current_session, unit_of_work
from app.documents.files import documents_dir, resolve, sha256_hex, store
from app.tasks import enqueue

REQUIRED_COLUMNS = ("urn", "upn", "date", "session", "code")
OPTIONAL_COLUMNS = (
    "pupil_surname",
    "pupil_forename",
    "dob",
    "nc_year",
    "minutes_late",
    "last_modified",
    "mis_comment",
)
#: rows per unit of work (and per progress step)
BATCH_ROWS = 5_000
#: rejected rows kept on the import (all of them are counted)
MAX_STORED_ERRORS = 1_000
#: largest file the upload page and API accept (150,000 marks are about 14 MB)
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
_UK_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class CommandLineActor:
    """Who imports from the command line when no user is named (an administrator's shell)."""

    label: str
    role: str = "admin"
    id: int | None = None
    school_urn: str | None = None


def _header(text: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    return [column.strip().lower() for column in first]


def decode(data: bytes) -> str:
    """The file as text (UTF-8, with or without a byte-order mark); Invalid otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            "The file is not a UTF-8 CSV file.",
            {"file": ["Save the file as CSV UTF-8 and upload it again"]},
        ) from exc


def check_header(text: str) -> None:
    """Invalid when the header lacks a required column (nothing is imported then)."""
    header = _header(text)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not text.strip() or missing:
        found = ", ".join(h for h in header if h) or "nothing"
        raise Invalid(
            "The file does not have the required columns.",
            {"file": [f"Missing column(s): {', '.join(missing)} (found: {found})"]},
        )


def count_rows(text: str) -> int:
    """Data rows in the file (blank lines are not rows)."""
    return sum(1 for _number, _row in _rows(text))


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    header = [column.strip().lower() for column in next(reader, [])]
    for values in reader:
        if not any(value.strip() for value in values):
            continue
        row = dict(zip(header, values, strict=False))
        yield reader.line_num, row


def _mark(row: dict[str, str]) -> dict[str, str]:
    """The five fields the mark checks use, with a DD/MM/YYYY date turned into ISO."""
    mark = {name: (row.get(name) or "").strip() for name in REQUIRED_COLUMNS}
    if match := _UK_DATE.match(mark["date"]):
        day, month, year = match.groups()
        mark["date"] = f"{year}-{month}-{day}"
    return mark


def batches(text: str, size: int | None = None) -> Iterator[list[tuple[int, dict[str, str]]]]:
    """The file's rows, numbered as a spreadsheet shows them, in lists of ``size``."""
    size = size or BATCH_ROWS
    batch: list[tuple[int, dict[str, str]]] = []
    for number, row in _rows(text):
        batch.append((number, _mark(row)))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _actor_label(actor: Any) -> str:
    return str(getattr(actor, "label", None) or getattr(actor, "email", None) or "system")


def _new_import(actor: Any, *, file_name: str, data: bytes, source: str) -> AttendanceImport:
    text = decode(data)
    check_header(text)
    record = AttendanceImport(
        file_name=(file_name or "marks.csv")[:255],
        file_sha256=sha256_hex(data),
        source=source,
        status="queued",
        created_by_id=getattr(actor, "id", None),
        created_by_label=_actor_label(actor)[:200],
        created_at=utcnow(),
        total_rows=count_rows(text),
        processed_rows=0,
        inserted=0,
        updated=0,
        unchanged=0,
        rejected=0,
        errors=[],
    )
    current_session().add(record)
    return record


def require_importer(actor: Any) -> None:
    """Forbidden unless the actor may import mark files (advisers and administrators)."""
    if not can_upload_mark_files(actor):
        raise Forbidden("Only attendance advisers and administrators can import mark files.")


def start_import(actor: Any, *, file_name: str, data: bytes, source: str = "upload") -> Any:
    """Keep an uploaded file and queue ``attendance.import_file`` for it (after commit).

    Only advisers and administrators import files; a file without the required columns is
    refused at once (Invalid), anything else is reported row by row by the import.
    """
    require_importer(actor)
    if not data:
        raise Invalid("The file is empty.", {"file": ["Choose a CSV file"]})
    record = _new_import(actor, file_name=file_name, data=data, source=source)
    record.stored_path = f"imports/{utcnow():%Y/%m}/{uuid.uuid4().hex}.csv"
    # The file is written before the commit so the worker finds it; a rolled-back request leaves
    # only an unreferenced file behind.
    store(documents_dir(current_app.config), record.stored_path, data)
    current_session().flush()
    record_event(
        "attendance_import_queued",
        f"Attendance file {record.file_name} queued for import ({record.total_rows} rows)",
        actor=actor,
        detail={"import_id": record.id, "file_sha256": record.file_sha256},
    )
    enqueue("attendance.import_file", record.id)
    return record


def get_import(actor: Any, import_id: int) -> AttendanceImport:
    """An import the actor may see (advisers and administrators); NotFound otherwise."""
    if not can_upload_mark_files(actor):
        raise NotFound("No such import.")
    record = current_session().get(AttendanceImport, import_id)
    if record is None:
        raise NotFound("No such import.")
    return record


def list_imports(actor: Any, *, limit: int = 50) -> list[AttendanceImport]:
    """The import history, newest first."""
    if not can_upload_mark_files(actor):
        raise Forbidden("Only attendance advisers and administrators can see mark imports.")
    stmt = select(AttendanceImport).order_by(AttendanceImport.id.desc()).limit(limit)
    return list(current_session().scalars(stmt))


def command_line_actor(email: str | None, os_user: str) -> Any:
    """The actor of ``pathway attendance import``: the named user, else the shell's user."""
    if email is None:
        return CommandLineActor(label=f"{os_user} (command line)")
    stmt = select(User).where(User.email == email.strip().lower())
    user = current_session().scalars(stmt).first()
    if user is None:
        raise NotFound(f"No user {email}.")
    return user


def _importing_actor(record: AttendanceImport) -> Any:
    if record.created_by_id is not None:
        user = get_user(record.created_by_id)
        if user is not None:
            return user
    return CommandLineActor(label=record.created_by_label)


def _apply_batch(record: AttendanceImport, size: int, result: services.MarkImportResult) -> None:
    record.processed_rows += size
    record.inserted += result.inserted
    record.updated += result.updated
    record.unchanged += result.unchanged
    record.rejected += len(result.errors)
    room = MAX_STORED_ERRORS - len(record.errors or [])
    if room > 0 and result.errors:
        record.errors = [*(record.errors or []), *result.errors[:room]]


def run_import(import_id: int, text: str | None = None, progress: Progress | None = None) -> Any:
    """Import a queued file in batches (one unit of work each); returns the finished import.

    ``text`` is the file's content when the caller has it (the CLI); otherwise the stored upload
    is read.  An import that already finished is returned unchanged.
    """
    factory = current_app.extensions["db_sessions"]
    with unit_of_work(factory) as session:
        record = session.get(AttendanceImport, import_id)
        if record is None:
            raise NotFound(f"No import {import_id}.")
        if record.status in ("done", "failed"):
            return record
        record.status, record.started_at = "running", utcnow()
        stored_path = record.stored_path or ""
        actor = _importing_actor(record)
    if text is None:
        text = decode(resolve(documents_dir(current_app.config), stored_path).read_bytes())
    totals = services.MarkImportResult()
    try:
        for batch in batches(text):
            with unit_of_work(factory) as session:
                result = services.import_mark_rows(actor, rows=batch)
                _apply_batch(session.get(AttendanceImport, import_id), len(batch), result)
            totals.inserted += result.inserted
            totals.updated += result.updated
            totals.unchanged += result.unchanged
            totals.errors.extend(result.errors[: MAX_STORED_ERRORS - len(totals.errors)])
            totals.schools |= result.schools
            totals.days |= result.days
            if progress is not None:
                progress(len(batch))
    except Exception as exc:
        with unit_of_work(factory) as session:
            _finish(session.get(AttendanceImport, import_id), actor, totals, failure=exc)
        raise
    with unit_of_work(factory) as session:
        return _finish(session.get(AttendanceImport, import_id), actor, totals)


def _finish(
    record: AttendanceImport,
    actor: Any,
    totals: services.MarkImportResult,
    failure: BaseException | None = None,
) -> AttendanceImport:
    record.status = "failed" if failure else "done"
    record.finished_at = utcnow()
    if failure is not None:
        record.message = f"The import stopped: {type(failure).__name__}"[:500]
    services.audit_mark_import(
        actor,
        totals,
        import_id=record.id,
        file_name=record.file_name,
        source=record.source,
        status=record.status,
        rejected_total=record.rejected,
    )
    return record


def import_file(actor: Any, path: Path, progress: Progress | None = None) -> AttendanceImport:
    """Import a CSV file from disk now (the CLI): recorded in the history like an upload."""
    data = path.read_bytes()
    factory = current_app.extensions["db_sessions"]
    with unit_of_work(factory):
        require_importer(actor)
        record = _new_import(actor, file_name=path.name, data=data, source="cli")
        current_session().flush()
        import_id = record.id
    return run_import(import_id, text=decode(data), progress=progress)


def import_summary(record: AttendanceImport) -> dict[str, Any]:
    """The import as the status endpoint and the history show it."""
    total = record.total_rows or 0
    if record.status == "done":
        percent = 100
    else:
        percent = min(99, int(100 * record.processed_rows / total)) if total else 0
    return {
        "id": record.id,
        "file_name": record.file_name,
        "source": record.source,
        "status": record.status,
        "created_by": record.created_by_label,
        "created_at": record.created_at.isoformat() if record.created_at else None,
        "started_at": record.started_at.isoformat() if record.started_at else None,
        "finished_at": record.finished_at.isoformat() if record.finished_at else None,
        "total_rows": total,
        "processed_rows": record.processed_rows,
        "percent": percent,
        "inserted": record.inserted,
        "updated": record.updated,
        "unchanged": record.unchanged,
        "rejected": record.rejected,
        "errors": record.errors or [],
        "message": record.message,
    }
