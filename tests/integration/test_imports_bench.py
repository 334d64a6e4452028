"""Smoke test of bench/attendance_import.py (tiny size): the benchmark code keeps working.

It asserts what the import did, never how long it took (targets live in bench/ only).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "attendance_import.py"


@pytest.mark.slow
def test_attendance_import_benchmark_runs():
    spec = importlib.util.spec_from_file_location("bench_attendance_import", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    result = bench.run(pupils=300, schools=3)

    runs = result["backends"]["sqlite"]
    assert (runs["first"]["inserted"], runs["first"]["rejected"]) == (600, 0)
    assert runs["again"]["unchanged"] == 600
    assert (runs["recoded"]["updated"], runs["stored"]["changes"]) == (60, 60)
    assert runs["stored"]["marks"] == 600
    assert "attendance_import" in bench.summary(result)
