"""Session-mark CSV imports: idempotent upsert, per-row errors with CSV row numbers, history,
the CLI with its progress bar, and the Celery task body."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories_api import api_user
from sqlalchemy import func, select

from app.accounts import get_user
from app.attendance import AttendanceMark, AttendanceMarkChange
from app.attendance import imports as mark_imports
from app.attendance.models import AttendanceImport
from app.attendance.tasks import import_file
from app.audit import AuditEvent
from app.cli import main
from app.core.errors import Forbidden, Invalid
from app.core.web import transaction
from app.forms import make_upn

HEADER = [
    "urn",
    "upn",
    "pupil_surname",
    "pupil_forename",
    "dob",
    "nc_year",
    "date",
    "session",
    "code",
    "minutes_late",
    "last_modified",
    "mis_comment",
]
UPN_1, UPN_2, UPN_3 = (make_upn(937, 2001, 15, n) for n in (1, 2, 3))


def csv_text(rows: list[dict[str, str]], header: list[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def mark(upn=UPN_1, day="2026-11-23", session="AM", code="/", urn="100001", **extra):
    return {"urn": urn, "upn": upn, "date": day, "session": session, "code": code, **extra}


GOOD_AND_BAD = [
    mark(pupil_surname="Marsh", pupil_forename="Ella", dob="2015-05-14", nc_year="6"),  # row 2
    mark(session="PM", code="N", minutes_late="", mis_comment="no reason given"),  # row 3
    mark(upn="A123"),  # row 4: bad UPN
    mark(upn=UPN_2, code="9"),  # row 5: unknown code
    mark(upn=UPN_2, urn="999999"),  # row 6: unknown school
    mark(upn=UPN_2, day="2026-02-30"),  # row 7: not a date
    mark(upn=UPN_3, day="24/11/2026"),  # row 8: a spreadsheet date, accepted
]


def _count(app, model) -> int:
    with app.extensions["db_sessions"]() as session:
        return session.scalar(select(func.count()).select_from(model))


def _adviser(app):
    user = api_user(app, "adviser")
    with app.app_context(), transaction():
        return get_user(user["id"])


def _import(app, actor, tmp_path: Path, text: str, name: str = "marks.csv"):
    path = tmp_path / name
    path.write_text(text)
    with app.app_context():
        return mark_imports.import_file(actor, path)


def test_good_rows_land_and_bad_rows_are_reported_by_csv_row(app, tmp_path):
    adviser = _adviser(app)
    record = _import(app, adviser, tmp_path, csv_text(GOOD_AND_BAD))
    summary = mark_imports.import_summary(record)
    assert summary["status"] == "done" and summary["percent"] == 100
    assert (summary["total_rows"], summary["processed_rows"]) == (7, 7)
    assert (summary["inserted"], summary["updated"], summary["unchanged"]) == (3, 0, 0)
    assert summary["rejected"] == 4
    by_row = {e["row"]: e["message"] for e in summary["errors"]}
    assert sorted(by_row) == [4, 5, 6, 7]
    assert "not a valid UPN" in by_row[4]
    assert "9" in by_row[5]
    assert "no school with URN 999999" in by_row[6]
    assert "real date" in by_row[7]
    assert summary["created_by"] == adviser.label and summary["source"] == "cli"
    with app.extensions["db_sessions"]() as session:
        days = set(session.scalars(select(AttendanceMark.date)))
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "attendance_imported")
        ).all()
    assert {d.isoformat() for d in days} == {"2026-11-23", "2026-11-24"}
    assert event.detail["import_id"] == record.id and event.detail["rejected"] == 4
    assert UPN_1 not in str(event.detail)  # no pupil identifiers in the audit summary


def test_the_same_file_twice_changes_nothing_and_a_changed_code_keeps_history(app, tmp_path):
    adviser = _adviser(app)
    text = csv_text(GOOD_AND_BAD[:2])
    _import(app, adviser, tmp_path, text)
    again = _import(app, adviser, tmp_path, text)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 0)
    assert _count(app, AttendanceMark) == 2 and _count(app, AttendanceMarkChange) == 0

    recoded = csv_text([mark(session="PM", code="C")])
    changed = _import(app, adviser, tmp_path, recoded)
    assert (changed.inserted, changed.updated) == (0, 1)
    with app.extensions["db_sessions"]() as session:
        [change] = session.scalars(select(AttendanceMarkChange)).all()
    assert (change.old_code, change.new_code, change.changed_by_id) == ("N", "C", adviser.id)

    with app.extensions["db_sessions"]() as session:
        history = session.scalars(select(AttendanceImport).order_by(AttendanceImport.id)).all()
    assert [h.status for h in history] == ["done", "done", "done"]


def test_a_duplicate_row_in_one_file_is_a_change(app, tmp_path):
    rows = [mark(code="/"), mark(code="L")]
    record = _import(app, _adviser(app), tmp_path, csv_text(rows))
    assert (record.inserted, record.updated) == (1, 1)
    assert _count(app, AttendanceMark) == 1 and _count(app, AttendanceMarkChange) == 1


def test_only_the_required_columns_are_needed_in_any_order(app, tmp_path):
    header = ["code", "session", "date", "upn", "urn"]
    record = _import(app, _adviser(app), tmp_path, csv_text([mark()], header))
    assert record.inserted == 1


def test_a_file_without_the_required_columns_is_refused(app, tmp_path):
    adviser = _adviser(app)
    with pytest.raises(Invalid) as refused:
        _import(app, adviser, tmp_path, "urn,upn,date,code\n100001,X,2026-11-23,/\n")
    assert "Missing column(s): session" in refused.value.errors["file"][0]
    with pytest.raises(Invalid):
        _import(app, adviser, tmp_path, "")
    assert _count(app, AttendanceImport) == 0


def test_schools_cannot_import_files(app, tmp_path):
    school = api_user(app, "school", school="100001")
    with app.app_context(), transaction():
        user = get_user(school["id"])
    with pytest.raises(Forbidden):
        _import(app, user, tmp_path, csv_text([mark()]))


def test_an_upload_is_imported_by_the_task_in_batches(app, tmp_path, monkeypatch):
    monkeypatch.setattr(mark_imports, "BATCH_ROWS", 3)
    adviser = _adviser(app)
    data = csv_text(GOOD_AND_BAD).encode("utf-8-sig")  # Excel's "CSV UTF-8" adds a BOM
    with app.app_context(), transaction():
        record = mark_imports.start_import(adviser, file_name="monday.csv", data=data)
    assert app.extensions["dispatched_tasks"] == [("attendance.import_file", (record.id,))]
    with app.app_context(), transaction():
        queued = mark_imports.import_summary(mark_imports.get_import(adviser, record.id))
    assert (queued["status"], queued["total_rows"], queued["percent"]) == ("queued", 7, 0)

    progress = []
    real = mark_imports._apply_batch

    def spy(record, size, result):
        real(record, size, result)
        progress.append(record.processed_rows)

    monkeypatch.setattr(mark_imports, "_apply_batch", spy)
    with app.app_context():
        assert import_file(record.id) == "done"  # the task body, as the worker runs it
        assert import_file(record.id) == "done"  # a redelivered message does nothing more
    assert progress == [3, 6, 7]
    with app.app_context(), transaction():
        done = mark_imports.import_summary(mark_imports.get_import(adviser, record.id))
    assert (done["inserted"], done["rejected"]) == (3, 4)
    assert [e["row"] for e in done["errors"]] == [4, 5, 6, 7]


def test_the_cli_imports_with_a_progress_bar(app, tmp_path):
    api_user(app, "adviser")  # the schools exist
    path = tmp_path / "marks.csv"
    path.write_text(csv_text(GOOD_AND_BAD))
    result = CliRunner().invoke(main, ["attendance", "import", str(path)], obj=app)
    assert result.exit_code == 0, result.output
    assert "Importing marks.csv" in result.output
    assert "7 rows, 3 new, 0 changed, 0 unchanged, 4 rejected." in result.output
    assert "row 4: upn is not a valid UPN" in result.output
    with app.extensions["db_sessions"]() as session:
        record = session.scalars(select(AttendanceImport)).one()
    assert record.created_by_label.endswith("(command line)") and record.created_by_id is None

    named = CliRunner().invoke(
        main, ["attendance", "import", str(path), "--user", "adviser@example.test"], obj=app
    )
    assert named.exit_code == 0 and "3 unchanged" in named.output
    missing = CliRunner().invoke(
        main, ["attendance", "import", str(path), "--user", "x@y.z"], obj=app
    )
    assert missing.exit_code == 1 and "No user x@y.z" in missing.output
    bad = tmp_path / "bad.csv"
    bad.write_text("urn,upn\n")
    refused = CliRunner().invoke(main, ["attendance", "import", str(bad)], obj=app)
    assert refused.exit_code == 1 and "Missing column(s): date, session, code" in refused.output
