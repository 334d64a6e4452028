"""Benchmark: complete a human task through the API versus raw SpiffWorkflow plus one commit.

Both sides complete the *triage* user task of ``bpmn/attendance_case`` with the same form data,
which runs the engine on out of the triage call activity, into the monitoring call activity (its
service tasks and monitoring letter) and to the first checkpoint timer.  The raw side answers the
service tasks with canned results (no database), so it measures the engine alone.

* **API** — ``POST /api/v1/tasks/{id}/complete`` through the Flask test client with a bearer token,
  on a fresh SQLite file migrated with Alembic (WAL, as the app configures it).  Everything the
  request does is timed: authentication, form validation, loading the case, restoring the
  workflow from its stored state, running the engine, serializing, projecting tasks, audit rows,
  commit and the JSON response.
* **raw** — the same diagram parsed once with ``SpiffBpmnParser``, a workflow held in memory and
  run to the triage task (untimed); then timed: find the READY user task, set the data, run it,
  ``do_engine_steps()``, ``serialize_json`` and one INSERT-or-UPDATE of that JSON in a SQLite
  table (stdlib ``sqlite3``, WAL, a file in the same temporary folder) plus its commit.

Each iteration prepares one case per side (untimed), then times both completions in alternating
order so that drift (heap growth, disk cache, CPU frequency) hits both sides alike.  Only
``bench/`` may hold performance targets; the unit tests never assert on timings.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import importlib.util
import io
import logging
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: TID251
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: TID251
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser  # noqa: TID251
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: TID251
from SpiffWorkflow.util.task import TaskState  # noqa: TID251
from sqlalchemy import event

from app import create_app
from app.accounts import create_school, create_token, create_user
from app.core.web import transaction
from app.engine.scripting import CaseScriptEngine
from app.migrations import upgrade
from app.process_models import deploy_directory

NAME = "task_completion"
ROOT = Path(__file__).resolve().parent.parent
BPMN_DIR = ROOT / "bpmn"
FORMS_DIR = ROOT / "forms"
MODEL_DIR = BPMN_DIR / "attendance_case"
PROCESS_ID = "attendance_case"
TRIAGE_ELEMENT = "triage_review"

#: The API may cost at most this many times the raw engine step plus one commit.
TARGET_RATIO = 3.0

#: Iterations (timed per side) and warm-up rounds (run, not recorded).
FULL = {"iterations": 200, "warmup": 20}
QUICK = {"iterations": 40, "warmup": 5}

#: Valid against forms/triage; "accept_monitoring" starts the ten-week monitoring stage (the
#: override reason covers a notification whose decision table suggests something else).
TRIAGE_DATA: dict[str, Any] = {
    "outcome": "accept_monitoring",
    "reasons": "Evidence complete; attendance below 90% over the period.",
    "override_reason": "Benchmark: always accept.",
}


def _canned_service(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """What the raw side's service tasks return: no register marks, calendar dates, letters."""
    if name.startswith("calendar."):
        return {"date": "2030-01-07", "due_at": "2030-01-07T09:00:00+00:00"}
    if name == "attendance.national_threshold":
        return {"unauthorised_sessions": 0, "window_start": None, "window_end": None}
    if name == "letters.generate":
        return {"documents": [{"id": 1, "template": params["template"], "recipient": "x"}]}
    return {
        "has_marks": False,
        "possible": 0,
        "present": 0,
        "attendance_pct": None,
        "authorised": 0,
        "unauthorised": 0,
        "unauthorised_by_code": {},
    }


SCHOOL_URN, SCHOOL_NAME = "100001", "Riverside Primary School"
ADVISER_EMAIL = "bench-adviser@example.test"


def _notification() -> dict[str, Any]:
    """The suite's canonical valid notification (``tests/factories_forms.py``)."""
    module = sys.modules.get("factories_forms")
    if module is None:
        spec = importlib.util.spec_from_file_location(
            "_bench_factories_forms", ROOT / "tests" / "factories_forms.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    payload: dict[str, Any] = module.valid_notification()
    return payload


# --------------------------------------------------------------------------------------------
# API side


class ApiSide:
    """The app on a freshly migrated SQLite file, one adviser with a token, models deployed."""

    def __init__(self, workdir: Path, notification: dict[str, Any]) -> None:
        url = f"sqlite:///{workdir / 'api.sqlite'}"
        upgrade(url)
        self.app = create_app(
            {
                "TESTING": False,
                "SECRET_KEY": "bench-secret",
                "DATABASE_URL": url,
                "INSTANCE_DIR": str(workdir / "instance"),
                "BPMN_DIR": str(BPMN_DIR),
                "FORMS_DIR": str(FORMS_DIR),
            }
        )
        with self.app.app_context(), transaction():
            create_school(SCHOOL_URN, SCHOOL_NAME)
            create_user(ADVISER_EMAIL, role="adviser", name="Bench Adviser")
            token = create_token(ADVISER_EMAIL)
        with self.app.app_context(), transaction():
            deploy_directory(None, BPMN_DIR, FORMS_DIR)
        self.client = self.app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}
        self.notification = notification

    def prepare(self) -> int:
        """Open a case (untimed) and return the id of its open triage task."""
        created = self.client.post(
            "/api/v1/notifications", json=self.notification, headers=self.headers
        )
        if created.status_code != 201:
            raise RuntimeError(f"notification refused: {created.status_code} {created.json}")
        case_id = created.json["case_id"]
        listed = self.client.get(f"/api/v1/tasks?case={case_id}", headers=self.headers)
        tasks = [t for t in listed.json["items"] if t["element_id"] == TRIAGE_ELEMENT]
        if len(tasks) != 1:
            raise RuntimeError(f"expected one triage task on case {case_id}: {listed.json}")
        return int(tasks[0]["id"])

    def complete(self, task_id: int) -> float:
        """Time one ``POST /api/v1/tasks/{id}/complete``; seconds."""
        body = {"data": TRIAGE_DATA}
        started = time.perf_counter()
        response = self.client.post(
            f"/api/v1/tasks/{task_id}/complete", json=body, headers=self.headers
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise AssertionError(f"complete returned {response.status_code}: {response.json}")
        if response.json.get("status") != "completed":
            raise AssertionError(f"the task was not completed: {response.json}")
        return elapsed

    def close(self) -> None:
        self.app.extensions["db_engine"].dispose()


# --------------------------------------------------------------------------------------------
# Raw side


class RawSide:
    """SpiffWorkflow alone: parsed spec in memory, one SQLite table for the serialized state."""

    def __init__(self, workdir: Path, notification: dict[str, Any]) -> None:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_files([str(p) for p in sorted(MODEL_DIR.glob("*.bpmn"))])
        parser.add_dmn_files([str(p) for p in sorted(MODEL_DIR.glob("*.dmn"))])
        self.spec = parser.get_spec(PROCESS_ID)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS_ID)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.notification = notification
        self.db = sqlite3.connect(workdir / "raw.sqlite")
        self.db.execute("PRAGMA journal_mode=WAL")  # as app.core.db.make_engine
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS workflow_state "
            "(id INTEGER PRIMARY KEY, state TEXT NOT NULL)"
        )
        self.db.commit()
        self._next_id = 0

    def _save(self, key: int, workflow: Any) -> None:
        self.db.execute(
            "INSERT INTO workflow_state (id, state) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET state = excluded.state",
            (key, self.serializer.serialize_json(workflow)),
        )
        self.db.commit()

    def prepare(self) -> tuple[int, Any]:
        """Start a workflow, run it to the triage task and store it (untimed)."""
        self._next_id += 1
        key = self._next_id
        engine = CaseScriptEngine(_canned_service)  # the app's sandbox: same script costs
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=engine)
        workflow.task_tree.data.update(
            {
                "notification": self.notification,
                "case": {"id": key, "reference": f"RAW-{key:06d}", "school_urn": SCHOOL_URN},
            }
        )
        workflow.do_engine_steps()
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if [t.task_spec.bpmn_id for t in ready] != [TRIAGE_ELEMENT]:
            raise RuntimeError(f"raw workflow did not stop at triage: {ready}")
        self._save(key, workflow)
        return key, workflow

    def complete(self, prepared: tuple[int, Any]) -> float:
        """Time: complete the READY user task, run on, serialize, upsert, commit; seconds."""
        key, workflow = prepared
        started = time.perf_counter()
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(**TRIAGE_DATA)
        task.run()
        workflow.do_engine_steps()
        self._save(key, workflow)
        elapsed = time.perf_counter() - started
        if task.state != TaskState.COMPLETED:
            raise AssertionError(f"raw triage task not completed: {task}")
        return elapsed

    def close(self) -> None:
        self.db.close()


# --------------------------------------------------------------------------------------------
# Running


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Only errors are logged while the benchmark runs (restored afterwards, e.g. under pytest).

    An unexpected 500 is logged with its traceback by the app; that must stay visible.
    """
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


@contextlib.contextmanager
def _sides() -> Iterator[tuple[ApiSide, RawSide]]:
    with tempfile.TemporaryDirectory(prefix="pathway-bench-") as tmp:
        workdir = Path(tmp)
        notification = _notification()
        api = ApiSide(workdir, notification)
        raw = RawSide(workdir, notification)
        try:
            yield api, raw
        finally:
            raw.close()
            api.close()


def _stats(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    p90 = statistics.quantiles(ms, n=10, method="inclusive")[8] if len(ms) > 1 else ms[0]
    return {
        "median_ms": round(statistics.median(ms), 3),
        "p90_ms": round(p90, 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "min_ms": round(ms[0], 3),
        "max_ms": round(ms[-1], 3),
    }


def run(iterations: int | None = None, warmup: int | None = None, quick: bool = False) -> dict:
    """Run the benchmark and return its results as plain data."""
    preset = QUICK if quick else FULL
    iterations = preset["iterations"] if iterations is None else iterations
    warmup = preset["warmup"] if warmup is None else warmup
    if iterations < 1:
        raise ValueError("iterations must be at least 1")
    api_samples: list[float] = []
    raw_samples: list[float] = []
    wall = time.perf_counter()
    with _quiet(), _sides() as (api, raw):
        for round_no in range(warmup + iterations):
            api_task = api.prepare()
            raw_case = raw.prepare()
            gc.collect()  # start both timed steps from the same, clean heap
            timed: list[tuple[list[float], Callable[[], float]]] = [
                (api_samples, lambda t=api_task: api.complete(t)),
                (raw_samples, lambda c=raw_case: raw.complete(c)),
            ]
            if round_no % 2:
                timed.reverse()
            for samples, step in timed:
                elapsed = step()
                if round_no >= warmup:
                    samples.append(elapsed)
    api_stats, raw_stats = _stats(api_samples), _stats(raw_samples)
    ratio = api_stats["median_ms"] / raw_stats["median_ms"]
    return {
        "name": NAME,
        "description": "complete the triage user task: API end to end vs raw SpiffWorkflow + "
        "serialize_json + one SQLite upsert/commit",
        "iterations": iterations,
        "warmup": warmup,
        "api": api_stats,
        "raw": raw_stats,
        "ratio": round(ratio, 2),
        "ratio_p90": round(api_stats["p90_ms"] / raw_stats["p90_ms"], 2),
        "target_ratio": TARGET_RATIO,
        "status": "PASS" if ratio <= TARGET_RATIO else "OVER TARGET",
        "seconds": round(time.perf_counter() - wall, 1),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {platform.system()} {_cpus()} CPU",
    }


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def summary(result: dict) -> str:
    """A few human-readable lines for one result."""
    api, raw = result["api"], result["raw"]
    return "\n".join(
        [
            f"{result['name']}: {result['description']}",
            f"  {result['iterations']} iterations per side (+{result['warmup']} warm-up), "
            f"alternating; {result['seconds']} s",
            f"  API  median {api['median_ms']:8.2f} ms   p90 {api['p90_ms']:8.2f} ms",
            f"  raw  median {raw['median_ms']:8.2f} ms   p90 {raw['p90_ms']:8.2f} ms",
            f"  ratio API/raw {result['ratio']:.2f}x (p90 {result['ratio_p90']:.2f}x), "
            f"target <= {result['target_ratio']:.0f}x: {result['status']}",
        ]
    )


# --------------------------------------------------------------------------------------------
# Where the API time goes


#: (label, owner, attribute, depth): inclusive wall time of these callables, measured by wrapping
#: them for the duration of ``breakdown_api`` only (restored afterwards; app code is unchanged).
#: Depth-1 steps run one after another inside the request; deeper rows are part of the row above;
#: depth 0 rows are spread over several of the others.
_PROBES: list[tuple[str, str, str, int]] = [
    ("authenticate the bearer token", "app.cases.routes", "current_actor", 1),
    ("marshmallow: load the body", "marshmallow:Schema", "load", 1),
    ("load task + case, permission checks", "app.cases.services", "get_task", 1),
    ("version_form: re-parse + meta-schema check", "app.cases.services", "version_form", 1),
    ("validate the submission (JSON Schema)", "app.cases.services", "validate_submission", 1),
    ("runner.complete (engine + apply)", "app.cases.runner", "complete", 1),
    (
        "engine: WorkflowEngine.complete_task",
        "app.engine.runtime:WorkflowEngine",
        "complete_task",
        2,
    ),
    ("load_state: json.loads + spec & workflow restore", "app.engine.runtime", "load_state", 3),
    ("dump_state: to_dict + json.dumps", "app.engine.runtime", "dump_state", 3),
    ("runner.apply: audit rows + task projection", "app.cases.runner", "apply", 2),
    ("_sync_tasks (its query autoflushes)", "app.cases.runner", "_sync_tasks", 3),
    ("marshmallow: dump the response (lazy loads)", "marshmallow:Schema", "dump", 1),
    ("Session.commit", "sqlalchemy.orm:Session", "commit", 1),
    ("Session._flush (autoflush + final flush)", "sqlalchemy.orm:Session", "_flush", 0),
]
_WHOLE = "whole request (test client POST)"


class _Timings:
    """Per-request inclusive times of the probed callables (recorded only while ``on``)."""

    def __init__(self, labels: list[str]) -> None:
        self.samples: dict[str, list[float]] = {label: [] for label in labels}
        self.active: dict[str, int] = dict.fromkeys(labels, 0)
        self.missing: set[str] = set()
        self.on = False

    def start_request(self) -> None:
        for samples in self.samples.values():
            samples.append(0.0)
        self.on = True

    def add(self, label: str, seconds: float) -> None:
        self.samples[label][-1] += seconds

    def discard(self) -> None:
        for samples in self.samples.values():
            samples.clear()

    def median_ms(self, label: str) -> float | None:
        if label in self.missing:
            return None
        return statistics.median(self.samples[label]) * 1000


def _owner(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


def _probe(timings: _Timings, label: str, original: Any) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not timings.on or timings.active[label]:  # setup, or a nested call (Nested dumps)
            return original(*args, **kwargs)
        timings.active[label] += 1
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timings.add(label, time.perf_counter() - started)
            timings.active[label] -= 1

    return wrapper


@contextlib.contextmanager
def _probes(timings: _Timings) -> Iterator[None]:
    """Wrap every probe target that exists (app code moves; a missing one just reads n/a)."""
    patched = []
    try:
        for label, owner_path, attr, _depth in _PROBES:
            try:
                owner = _owner(owner_path)
                original = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
            except (ImportError, AttributeError, KeyError):
                timings.missing.add(label)
                continue
            setattr(owner, attr, _probe(timings, label, original))
            patched.append((owner, attr, original))
        yield
    finally:
        for owner, attr, original in reversed(patched):
            setattr(owner, attr, original)


def breakdown_api(iterations: int = 60) -> dict[str, Any]:
    """Median wall time (ms) per request of the main steps of the API completion.

    Plain ``perf_counter`` wrappers rather than a profiler, so Python-heavy steps are not
    inflated.  Also counts SQL statements per request and times ``GET /api/v1/health`` (one
    ``SELECT 1`` through the same stack) as the framework floor.
    """
    timings = _Timings([_WHOLE, *(p[0] for p in _PROBES)])
    statements: list[int] = []
    health: list[float] = []
    with _quiet(), _sides() as (api, _raw), _probes(timings):
        engine = api.app.extensions["db_engine"]

        def count(*_args: Any) -> None:
            if timings.on:
                statements[-1] += 1

        event.listen(engine, "before_cursor_execute", count)
        try:
            for round_no in range(5 + iterations):
                task_id = api.prepare()
                gc.collect()
                statements.append(0)
                timings.start_request()
                timings.add(_WHOLE, api.complete(task_id))
                timings.on = False
                started = time.perf_counter()
                api.client.get("/api/v1/health")
                health.append(time.perf_counter() - started)
                if round_no < 5:  # warm-up
                    timings.discard()
                    statements.clear()
                    health.clear()
        finally:
            event.remove(engine, "before_cursor_execute", count)
    rows = [(_WHOLE, 0, timings.median_ms(_WHOLE))]
    rows += [(label, depth, timings.median_ms(label)) for label, _o, _a, depth in _PROBES]
    return {
        "iterations": iterations,
        "rows": rows,
        "sql_statements": statistics.median(statements),
        "health_ms": statistics.median(health) * 1000,
    }


def format_breakdown(breakdown: dict[str, Any]) -> str:
    rows = breakdown["rows"]
    total = rows[0][2]
    top_level = sum(ms for _label, depth, ms in rows[1:] if depth == 1 and ms is not None)
    lines = [
        f"Where the API time goes: median ms per request over {breakdown['iterations']} requests",
        "(indented rows are part of the row above; 'spread' rows overlap several others)",
        f"  {rows[0][0]:<52} {total:7.2f}  100%",
    ]
    for label, depth, ms in rows[1:]:
        indent = "  " * max(depth, 1)
        name = f"{indent}{label:<{54 - len(indent)}}"
        if ms is None:
            lines.append(f"{name}     n/a  (probe target not found in app code)")
            continue
        note = "  (spread)" if depth == 0 else ""
        lines.append(f"{name} {ms:7.2f}  {100 * ms / total:3.0f}%{note}")
    rest = total - top_level
    label = "rest: test client, Flask dispatch, uow, audit"
    lines.append(f"  {label:<52} {rest:7.2f}  {100 * rest / total:3.0f}%")
    lines.append(f"  SQL statements per request: {breakdown['sql_statements']:.0f}")
    lines.append(
        f"  for scale, GET /api/v1/health (SELECT 1, same stack): {breakdown['health_ms']:.2f} ms"
    )
    return "\n".join(lines)


def profile_api(iterations: int = 40, top: int = 25) -> str:
    """cProfile only the timed API requests; return the top functions by cumulative time."""
    profiler = cProfile.Profile()
    with _quiet(), _sides() as (api, _raw):
        for _ in range(5):  # warm-up, unprofiled
            api.complete(api.prepare())
        for _ in range(iterations):
            task_id = api.prepare()
            gc.collect()
            profiler.enable()
            api.complete(task_id)
            profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"cProfile of {iterations} API task completions (profiler overhead inflates these)\n")
    stats.sort_stats("cumulative").print_stats(r"/(app|service_tasks)/", top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()
