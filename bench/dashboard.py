"""Benchmark: render the manager dashboard with 20,000 cases, and with 2,000 for comparison.

Two SQLite files are built in a temporary folder exactly as ``make run`` would (migrations,
``pathway models deploy`` of ``bpmn/``, the demo users), then filled by ``pathway demo --cases
N`` (``app.demo.synthetic.generate_cases``, a constant 115 notifications a week, so the larger
database holds ten times the history).  Timed: ``GET /dashboard`` through the Flask test client
as the demo manager (default filters: the last 26 weeks), the whole request from routing to
HTML.  Each round times both databases, in alternating order; warm-up rounds are dropped.
Reported: median, p90 per size, the ratio of the medians, and (for information) the
pupil-group-filtered dashboard, the process map and the case generation time.
"""

from __future__ import annotations

import gc
import logging
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app import create_app
from app.accounts import User
from app.core.web import reading, transaction
from app.demo import load_demo
from app.demo.synthetic import generate_cases
from app.migrations import upgrade
from app.process_models import deploy_directory

NAME = "dashboard"
ROOT = Path(__file__).resolve().parent.parent
#: the dashboard must render within this many milliseconds (median) with 20,000 cases
TARGET_MS = 300.0
MANAGER = "manager@council.example"

FULL = {"sizes": (2_000, 20_000), "iterations": 30, "warmup": 3}
QUICK = {"sizes": (500, 5_000), "iterations": 8, "warmup": 2}
#: pages timed for information only (largest database)
EXTRA_PAGES = {"group_filter": "/dashboard?group=fsm", "process_map": "/dashboard/map"}


class Side:
    """One database of ``size`` synthetic cases and a client signed in as the manager."""

    def __init__(self, workdir: Path, size: int) -> None:
        self.size = size
        url = f"sqlite:///{workdir / f'dashboard-{size}.sqlite'}"
        upgrade(url)
        self.app = create_app(
            {
                "TESTING": False,
                "SECRET_KEY": "bench-secret",
                "DATABASE_URL": url,
                "INSTANCE_DIR": str(workdir / "instance"),
                "BPMN_DIR": str(ROOT / "bpmn"),
                "FORMS_DIR": str(ROOT / "forms"),
            }
        )
        with self.app.app_context():
            with transaction():
                deploy_directory(None, ROOT / "bpmn", ROOT / "forms")
            with transaction():
                load_demo(with_cases=False)
            started = time.perf_counter()
            with transaction():
                generate_cases(size)
            self.generate_seconds = time.perf_counter() - started
            with reading() as session:
                manager = session.scalar(select(User.id).where(User.email == MANAGER))
        self.client = self.app.test_client()
        with self.client.session_transaction() as session:
            session["user_id"], session["seen_at"] = manager, int(time.time())

    def render(self, path: str = "/dashboard") -> float:
        """Time one GET of ``path``; seconds."""
        with self.client.session_transaction() as session:
            session["seen_at"] = int(time.time())  # stay inside the idle timeout
        started = time.perf_counter()
        response = self.client.get(path)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise AssertionError(f"{path} returned {response.status_code}")
        return elapsed

    def close(self) -> None:
        self.app.extensions["db_engine"].dispose()


@contextmanager
def _quiet() -> Iterator[None]:
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


def _stats(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    p90 = statistics.quantiles(ms, n=10, method="inclusive")[8] if len(ms) > 1 else ms[0]
    return {
        "median_ms": round(statistics.median(ms), 2),
        "p90_ms": round(p90, 2),
        "min_ms": round(ms[0], 2),
        "max_ms": round(ms[-1], 2),
    }


def _rounds(sides: list[Side], iterations: int, warmup: int) -> dict[int, list[float]]:
    samples: dict[int, list[float]] = {side.size: [] for side in sides}
    for round_no in range(warmup + iterations):
        order = sides if round_no % 2 == 0 else list(reversed(sides))
        for side in order:
            gc.collect()
            elapsed = side.render()
            if round_no >= warmup:
                samples[side.size].append(elapsed)
    return samples


def run(
    iterations: int | None = None,
    warmup: int | None = None,
    quick: bool = False,
    sizes: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Build both databases, time the dashboard on each, return the results as plain data."""
    preset = QUICK if quick else FULL
    small, large = sizes or preset["sizes"]
    iterations = preset["iterations"] if iterations is None else iterations
    warmup = preset["warmup"] if warmup is None else warmup
    wall = time.perf_counter()
    with _quiet(), tempfile.TemporaryDirectory(prefix="pathway-bench-dash-") as tmp:
        sides = [Side(Path(tmp), small), Side(Path(tmp), large)]
        try:
            samples = _rounds(sides, iterations, warmup)
            extra = {
                name: _stats([sides[1].render(path) for _ in range(max(3, iterations // 3))])
                for name, path in EXTRA_PAGES.items()
            }
            generated = {side.size: round(side.generate_seconds, 1) for side in sides}
        finally:
            for side in sides:
                side.close()
    results = {size: _stats(values) for size, values in samples.items()}
    ratio = results[large]["median_ms"] / results[small]["median_ms"]
    return {
        "name": NAME,
        "description": f"GET /dashboard (last 26 weeks) with {large:,} vs {small:,} cases",
        "iterations": iterations,
        "warmup": warmup,
        "sizes": [small, large],
        "small": results[small],
        "large": results[large],
        "ratio": round(ratio, 2),
        "extra_large": extra,
        "generate_seconds": generated,
        "target_ms": TARGET_MS,
        "status": "PASS" if results[large]["median_ms"] <= TARGET_MS else "OVER TARGET",
        "seconds": round(time.perf_counter() - wall, 1),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {platform.system()} {os.cpu_count()} CPU",
    }


def summary(result: dict[str, Any]) -> str:
    """A few human-readable lines for one result."""
    small, large = result["sizes"]
    extra = result["extra_large"]
    generated = result["generate_seconds"]
    return "\n".join(
        [
            f"{result['name']}: {result['description']}",
            f"  {result['iterations']} renders per size (+{result['warmup']} warm-up), "
            f"alternating; {result['seconds']} s in all",
            f"  {large:>6,} cases  median {result['large']['median_ms']:7.1f} ms   "
            f"p90 {result['large']['p90_ms']:7.1f} ms",
            f"  {small:>6,} cases  median {result['small']['median_ms']:7.1f} ms   "
            f"p90 {result['small']['p90_ms']:7.1f} ms",
            f"  ratio {large:,}/{small:,} = {result['ratio']:.2f}x; "
            f"target median <= {result['target_ms']:.0f} ms with {large:,}: {result['status']}",
            f"  with {large:,}: pupil-group filter median {extra['group_filter']['median_ms']:.1f}"
            f" ms, process map median {extra['process_map']['median_ms']:.1f} ms",
            f"  generating the cases took {generated[small]} s ({small:,}) and "
            f"{generated[large]} s ({large:,})",
        ]
    )
