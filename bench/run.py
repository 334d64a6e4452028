"""Run every benchmark and print a summary (``make bench``).

    .venv/bin/python bench/run.py [--quick] [--json PATH] [--profile]

Targets live here, in ``bench/``, never in the unit tests.  A benchmark over its target prints
``OVER TARGET`` but the exit code stays 0: benchmarks report, CI does not gate on them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import attendance_import  # noqa: E402
import dashboard  # noqa: E402
import task_completion  # noqa: E402
import timer_sweep  # noqa: E402

BENCHMARKS = [task_completion, timer_sweep, attendance_import, dashboard]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (~15 s)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also break the API request of task_completion down by step and cProfile it",
    )
    args = parser.parse_args(argv)

    results = []
    for bench in BENCHMARKS:
        result = bench.run(quick=args.quick)
        results.append(result)
        print(bench.summary(result), flush=True)

    over = [r["name"] for r in results if r["status"] != "PASS"]
    print()
    print(f"{len(results)} benchmark(s): " + ("all PASS" if not over else f"OVER TARGET: {over}"))

    breakdown = None
    if args.profile:
        breakdown = task_completion.breakdown_api(iterations=30 if args.quick else 100)
        print()
        print(task_completion.format_breakdown(breakdown), flush=True)
        print()
        print(task_completion.profile_api(iterations=15 if args.quick else 40))

    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"benchmarks": results}
        if breakdown is not None:
            document["api_breakdown"] = breakdown
        path.write_text(json.dumps(document, indent=2) + "\n")
        print(f"results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
