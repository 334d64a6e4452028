"""Benchmark: import one school day of session marks for a whole county (150,000 marks).

75,000 pupils in 250 schools, two sessions each, as the CSV of domain.md section 9 (all twelve
columns).  The file goes through exactly what ``pathway attendance import FILE.csv`` runs
(``app.attendance.imports.import_file``: header check, row count, per-row checks, batches of
5,000 rows each in its own unit of work with one ``INSERT ... ON CONFLICT`` upsert, import history,
audit event), on a freshly migrated SQLite file (and PostgreSQL when ``BENCH_POSTGRES_URL`` is
set).  Three runs on the same database:

* **first** — an empty table: 150,000 new marks;
* **again** — the same file: all unchanged (the idempotent path, no writes);
* **recoded** — 10% of the codes changed: 15,000 updates with their change history.

Target: the first import of 150,000 marks well under a minute (``TARGET_SECONDS``).
"""

from __future__ import annotations

import csv
import io
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.accounts import create_school  # noqa: E402
from app.attendance import AttendanceMark, AttendanceMarkChange  # noqa: E402
from app.attendance.imports import CommandLineActor, import_file  # noqa: E402
from app.core.web import transaction  # noqa: E402
from app.forms import make_upn  # noqa: E402
from app.migrations import upgrade  # noqa: E402

NAME = "attendance_import"
#: "well under a minute" for 150,000 marks
TARGET_SECONDS = 30.0
FULL = {"pupils": 75_000, "schools": 250}
QUICK = {"pupils": 7_500, "schools": 25}
DAY = "2026-11-23"
CODES = ["/", "\\", "/", "\\", "L", "N", "I", "M", "C", "G", "U", "O"]


def _school(index: int) -> tuple[str, int]:
    return f"{200000 + index:06d}", 2000 + index


def make_csv(pupils: int, schools: int, recode_every: int = 0) -> str:
    """One day of marks: ``pupils`` pupils spread over ``schools`` schools, AM and PM."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
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
    )
    per_school = -(-pupils // schools)
    for pupil in range(pupils):
        school, serial = divmod(pupil, per_school)
        urn, estab = _school(school)
        upn = make_upn(937, estab, 15 + serial // 1000, serial % 1000)
        for offset, session in enumerate(("AM", "PM")):
            row = pupil * 2 + offset
            code = CODES[row % len(CODES)]
            if recode_every and row % recode_every == 0:
                code = "B" if code != "B" else "/"
            writer.writerow(
                [
                    urn,
                    upn,
                    f"Surname{pupil}",
                    f"Forename{pupil}",
                    "2015-05-14",
                    "6",
                    DAY,
                    session,
                    code,
                    "" if code != "L" else "7",
                    f"{DAY}T09:1{offset}:00",
                    "",
                ]
            )
    return out.getvalue()


def _app(url: str, workdir: Path) -> Any:
    upgrade(url)
    return create_app(
        {
            "TESTING": False,
            "CELERY_DISPATCH": "record",
            "SECRET_KEY": "bench-secret",
            "DATABASE_URL": url,
            "INSTANCE_DIR": str(workdir / "instance"),
        }
    )


def _count(app: Any, model: Any) -> int:
    with app.extensions["db_sessions"]() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def run_on(url: str, workdir: Path, pupils: int, schools: int) -> dict[str, Any]:
    """The three imports on one database; seconds and counts for each."""
    app = _app(url, workdir)
    with app.app_context(), transaction():
        for index in range(schools):
            urn, _estab = _school(index)
            create_school(urn, f"Bench School {index}")
    actor = CommandLineActor(label="bench (command line)")
    files = {
        "first": make_csv(pupils, schools),
        "again": make_csv(pupils, schools),
        "recoded": make_csv(pupils, schools, recode_every=10),
    }
    runs = {}
    for label, text in files.items():
        path = workdir / f"{label}.csv"
        path.write_text(text)
        started, cpu = time.perf_counter(), time.process_time()
        with app.app_context():
            record = import_file(actor, path)
        seconds = time.perf_counter() - started
        runs[label] = {
            "seconds": round(seconds, 2),
            # this process's CPU time: steadier than the wall clock on a shared machine
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "rows": record.total_rows,
            "rows_per_second": round(record.total_rows / seconds),
            "inserted": record.inserted,
            "updated": record.updated,
            "unchanged": record.unchanged,
            "rejected": record.rejected,
            "megabytes": round(path.stat().st_size / 1e6, 1),
        }
    runs["stored"] = {
        "marks": _count(app, AttendanceMark),
        "changes": _count(app, AttendanceMarkChange),
    }
    app.extensions["db_engine"].dispose()
    return runs


def run(quick: bool = False, pupils: int | None = None, schools: int | None = None) -> dict:
    """Run the benchmark; ``pupils``/``schools`` override the size (the smoke test)."""
    size = QUICK if quick else FULL
    pupils, schools = pupils or size["pupils"], schools or size["schools"]
    logging.disable(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            workdir = Path(tmp)
            backends = {
                "sqlite": run_on(f"sqlite:///{workdir / 'db.sqlite'}", workdir, pupils, schools)
            }
            postgres = os.environ.get("BENCH_POSTGRES_URL")
            if postgres:
                backends["postgresql"] = run_on(postgres, workdir, pupils, schools)
    finally:
        logging.disable(logging.NOTSET)
    marks = pupils * 2
    # The target is for 150,000 marks; smaller runs are scaled to it.
    scaled = max(b["first"]["seconds"] for b in backends.values()) * 150_000 / marks
    return {
        "name": NAME,
        "marks": marks,
        "backends": backends,
        "target_seconds_for_150k": TARGET_SECONDS,
        "status": "PASS" if scaled <= TARGET_SECONDS else "OVER TARGET",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
    }


def summary(result: dict) -> str:
    """Human-readable lines."""
    lines = [f"{result['name']}: {result['marks']:,} marks per file  [{result['status']}]"]
    for backend, runs in result["backends"].items():
        for label in ("first", "again", "recoded"):
            r = runs[label]
            lines.append(
                f"  {backend:10} {label:8} {r['seconds']:6.2f} s (CPU {r['cpu_seconds']:5.2f} s)  "
                f"{r['rows_per_second']:>7,} rows/s  new {r['inserted']:,}  "
                f"changed {r['updated']:,}  unchanged {r['unchanged']:,}"
            )
        stored = runs["stored"]
        lines.append(
            f"  {backend:10} stored   {stored['marks']:,} marks, {stored['changes']:,} code changes"
        )
    lines.append(f"  target: 150,000 marks in under {result['target_seconds_for_150k']:.0f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    outcome = run(quick="--quick" in sys.argv)
    print(summary(outcome))
