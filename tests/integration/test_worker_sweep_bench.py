"""Smoke test of bench/timer_sweep.py (small sizes): the benchmark code keeps working.

It asserts what the sweep did and that the index serves the selection, never timings.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "timer_sweep.py"


@pytest.mark.slow
def test_timer_sweep_benchmark_runs():
    spec = importlib.util.spec_from_file_location("bench_timer_sweep", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    result = bench.run(small=20, large=60, due=3, repeats=3)

    sqlite = result["backends"]["sqlite"]
    assert sqlite["selection_small"]["due_found"] == sqlite["selection_large"]["due_found"] == 3
    assert (sqlite["fired"], sqlite["due_after_sweep"], sqlite["errors"]) == (3, 0, [])
    assert "ix_cases_status_next_timer" in sqlite["plan"]
    assert "timer_sweep" in bench.summary(result)
