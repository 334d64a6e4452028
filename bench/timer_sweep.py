"""Benchmark: the timer sweep with 20,000 open cases of which 100 are due.

One real case is opened through the API on ``bpmn/attendance_case`` and its triage completed, so
it waits on a real timer.  Its row (engine state included) is then copied straight into
``cases`` with Core inserts: 100 copies due at that timer's instant T, the others due a year
later.  Measured on a migrated SQLite file (and PostgreSQL when ``BENCH_POSTGRES_URL`` is set):

* **selection** — the sweep's query (``status = 'open' AND next_timer_at <= now ORDER BY
  next_timer_at``, served by ``ix_cases_status_next_timer``) at now = T + 1 minute, median of
  many runs, with 2,000 and then 20,000 open cases.  It must not scale with the open cases:
  ``ratio = median(20,000) / median(2,000)`` should stay near 1 (target ``TARGET_RATIO``).
* **sweep** — ``run_due_timers`` at T + 1 minute over the 20,000: fires the 100 due cases, each
  in its own unit of work, and leaves the rest alone.

The query plan is printed so a lost index shows up as a table scan.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

import task_completion  # noqa: E402
from sqlalchemy import insert, literal_column, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.accounts import create_school, create_token, create_user  # noqa: E402
from app.cases import Case, run_due_timers  # noqa: E402
from app.core.web import transaction  # noqa: E402
from app.migrations import upgrade  # noqa: E402
from app.process_models import deploy_directory  # noqa: E402

NAME = "timer_sweep"
#: selecting due ids among 20,000 open cases may cost at most this many times 2,000
TARGET_RATIO = 2.0
FULL = {"small": 2_000, "large": 20_000, "due": 100, "repeats": 300}
QUICK = {"small": 2_000, "large": 20_000, "due": 100, "repeats": 50}
BATCH = 2_000


def _real_case(app: Any) -> dict[str, Any]:
    """Open one case through the API and complete its triage; its row as a dict."""
    with app.app_context(), transaction():
        create_school(task_completion.SCHOOL_URN, task_completion.SCHOOL_NAME)
        create_user(task_completion.ADVISER_EMAIL, role="adviser", name="Bench Adviser")
        token = create_token(task_completion.ADVISER_EMAIL)
    with app.app_context(), transaction():
        deploy_directory(None, task_completion.BPMN_DIR, task_completion.FORMS_DIR)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/v1/notifications", json=task_completion._notification(), headers=headers
    )
    case_id = created.json["case_id"]
    tasks = client.get(f"/api/v1/tasks?case={case_id}", headers=headers).json["items"]
    done = client.post(
        f"/api/v1/tasks/{tasks[0]['id']}/complete",
        json={"data": task_completion.TRIAGE_DATA},
        headers=headers,
    )
    if done.status_code != 200:
        raise RuntimeError(f"triage was not completed: {done.json}")
    with app.extensions["db_sessions"]() as session:
        row = session.execute(select(Case.__table__).where(Case.id == case_id)).mappings().one()
    if row["next_timer_at"] is None:
        raise RuntimeError("the case does not wait on a timer after triage")
    return dict(row)


def _add_copies(app: Any, template: dict[str, Any], start: int, count: int, due: int) -> None:
    """Insert ``count`` copies of the case row; the first ``due`` of them due at its timer."""
    base = {k: v for k, v in template.items() if k != "id"}
    later = template["next_timer_at"] + timedelta(days=365)
    with app.extensions["db_engine"].begin() as conn:
        for first in range(start, start + count, BATCH):
            rows = []
            for n in range(first, min(first + BATCH, start + count)):
                rows.append(
                    {
                        **base,
                        "reference": f"BENCH-{n:07d}",
                        "next_timer_at": template["next_timer_at"] if n - start < due else later,
                    }
                )
            conn.execute(insert(Case.__table__), rows)


def _selection(now: Any) -> Any:
    # The statement run_due_timers (app/cases/services.py) selects the due cases with.
    return (
        select(Case.id)
        .where(Case.status == "open", Case.next_timer_at <= now)
        .order_by(Case.next_timer_at)
    )


def _time_selection(app: Any, now: Any, repeats: int) -> dict[str, Any]:
    samples, found = [], 0
    with app.extensions["db_sessions"]() as session:
        for _ in range(repeats):
            started = time.perf_counter()
            found = len(list(session.scalars(_selection(now))))
            samples.append(time.perf_counter() - started)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples) * 1000, 3),
        "p90_ms": round(samples[int(len(samples) * 0.9) - 1] * 1000, 3),
        "due_found": found,
    }


def _plan(app: Any, now: Any) -> str:
    with app.extensions["db_engine"].connect() as conn:
        instant = literal_column(f"'{now.isoformat(sep=' ')}'")
        sql = _selection(instant).compile(conn, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        rows = conn.exec_driver_sql(prefix + str(sql))
        return " | ".join(" ".join(str(c) for c in row) for row in rows)


def run_on(url: str, workdir: Path, size: dict[str, int]) -> dict[str, Any]:
    """Selection at the small and large size, then one sweep; figures for one database."""
    upgrade(url)
    app = create_app(
        {
            "TESTING": False,
            "CELERY_DISPATCH": "record",
            "SECRET_KEY": "bench-secret",
            "DATABASE_URL": url,
            "INSTANCE_DIR": str(workdir / "instance"),
            "BPMN_DIR": str(task_completion.BPMN_DIR),
            "FORMS_DIR": str(task_completion.FORMS_DIR),
        }
    )
    template = _real_case(app)
    now = template["next_timer_at"] + timedelta(minutes=1)
    _add_copies(app, template, 0, size["small"] - 1, size["due"])  # + the real case
    with app.extensions["db_engine"].begin() as conn:
        # the real case waits on the same timer: push it out so exactly ``due`` cases are due
        conn.execute(
            text("UPDATE cases SET next_timer_at = :later WHERE id = :id"),
            {"later": template["next_timer_at"] + timedelta(days=365), "id": template["id"]},
        )
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE cases"))
    small = _time_selection(app, now, size["repeats"])
    _add_copies(app, template, size["small"] - 1, size["large"] - size["small"], 0)
    if app.extensions["db_engine"].dialect.name == "postgresql":
        with app.extensions["db_engine"].begin() as conn:
            conn.execute(text("ANALYZE cases"))
    large = _time_selection(app, now, size["repeats"])
    plan = _plan(app, now)
    started = time.perf_counter()
    with app.app_context():
        outcomes = run_due_timers(now, app.extensions["db_sessions"])
    sweep = time.perf_counter() - started
    fired = sum(1 for o in outcomes if o.get("fired"))
    with app.app_context():
        again = run_due_timers(now, app.extensions["db_sessions"])
    app.extensions["db_engine"].dispose()
    return {
        "open_small": size["small"],
        "open_large": size["large"],
        "due": size["due"],
        "selection_small": small,
        "selection_large": large,
        "ratio": round(large["median_ms"] / small["median_ms"], 2),
        "plan": plan,
        "sweep_seconds": round(sweep, 2),
        "sweep_ms_per_due_case": round(sweep * 1000 / max(size["due"], 1), 1),
        "fired": fired,
        "errors": [o["error"] for o in outcomes if o.get("error")][:3],
        "due_after_sweep": len(again),
    }


def run(quick: bool = False, **overrides: int) -> dict[str, Any]:
    """Run the benchmark (``overrides``: small, large, due, repeats for the smoke test)."""
    size = {**(QUICK if quick else FULL), **overrides}
    logging.disable(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
            workdir = Path(tmp)
            backends = {"sqlite": run_on(f"sqlite:///{workdir / 'db.sqlite'}", workdir, size)}
            postgres = os.environ.get("BENCH_POSTGRES_URL")
            if postgres:
                backends["postgresql"] = run_on(postgres, workdir, size)
    finally:
        logging.disable(logging.NOTSET)
    worst = max(b["ratio"] for b in backends.values())
    fired_all = all(b["fired"] == b["due"] and b["due_after_sweep"] == 0 for b in backends.values())
    return {
        "name": NAME,
        "backends": backends,
        "target_ratio": TARGET_RATIO,
        "status": "PASS" if worst <= TARGET_RATIO and fired_all else "OVER TARGET",
    }


def summary(result: dict[str, Any]) -> str:
    """Human-readable lines."""
    lines = [f"{result['name']}: due-case selection vs open cases  [{result['status']}]"]
    for backend, b in result["backends"].items():
        s, big = b["selection_small"], b["selection_large"]
        lines += [
            f"  {backend:10} select due ids, {b['open_small']:>6,} open: "
            f"median {s['median_ms']:.3f} ms (p90 {s['p90_ms']:.3f}), {s['due_found']} due",
            f"  {backend:10} select due ids, {b['open_large']:>6,} open: "
            f"median {big['median_ms']:.3f} ms (p90 {big['p90_ms']:.3f}), {big['due_found']} due"
            f"  ->  ratio {b['ratio']:.2f}",
            f"  {backend:10} sweep: {b['fired']} of {b['due']} due cases fired in "
            f"{b['sweep_seconds']:.2f} s ({b['sweep_ms_per_due_case']:.1f} ms per case); "
            f"due afterwards: {b['due_after_sweep']}",
            f"  {backend:10} plan: {b['plan']}",
        ]
        if b["errors"]:
            lines.append(f"  {backend:10} errors: {b['errors']}")
    lines.append(f"  target: ratio <= {result['target_ratio']:.1f} and every due case fired")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(run(quick="--quick" in sys.argv)))
