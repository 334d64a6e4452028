"""bench/dashboard.py still runs: tiny databases, a few renders, no timing assertions.

Performance targets live in bench/ (``make bench``); this only proves the benchmark code works
against the current app.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "dashboard.py"


def _load_benchmark():
    name = "bench_dashboard"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.mark.slow
def test_dashboard_benchmark_runs():
    bench = _load_benchmark()

    result = bench.run(iterations=2, warmup=1, sizes=(20, 60))

    assert result["sizes"] == [20, 60]
    for side in ("small", "large"):
        assert result[side]["min_ms"] <= result[side]["median_ms"] <= result[side]["max_ms"]
    assert result["ratio"] > 0
    assert result["status"] in ("PASS", "OVER TARGET")
    assert set(result["extra_large"]) == {"group_filter", "process_map"}
    assert "ratio 60/20" in bench.summary(result)
