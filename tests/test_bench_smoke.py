"""bench/task_completion.py still runs: a few iterations, no timing assertions.

Performance targets live in bench/ (``make bench``); this only proves the benchmark code works
against the current app, so a refactor that breaks it is noticed by the suite.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "task_completion.py"


def _load_benchmark():
    name = "bench_task_completion"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_task_completion_benchmark_runs():
    bench = _load_benchmark()

    result = bench.run(iterations=3, warmup=1)

    assert result["iterations"] == 3
    for side in ("api", "raw"):
        assert result[side]["median_ms"] > 0
        assert result[side]["min_ms"] <= result[side]["median_ms"] <= result[side]["max_ms"]
    assert result["ratio"] > 0
    assert result["status"] in ("PASS", "OVER TARGET")
    assert "ratio API/raw" in bench.summary(result)


@pytest.mark.slow
def test_api_breakdown_probes_still_find_their_targets():
    bench = _load_benchmark()

    breakdown = bench.breakdown_api(iterations=2)

    missing = [label for label, _depth, ms in breakdown["rows"] if ms is None]
    assert missing == [], f"app code moved: update _PROBES in bench/task_completion.py: {missing}"
    assert breakdown["sql_statements"] > 0
    assert "Where the API time goes" in bench.format_breakdown(breakdown)
