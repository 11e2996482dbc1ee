"""Runs every benchmark in this folder (each `bench_*.py` module's `main()`), one after another.

Run: `python -m shopee_pipeline_tests.benchmarks.run_all [name ...]` — names (e.g. `write_path`) pick a
subset. Each benchmark prints its own JSON lines; a failing one is reported as a JSON line with an
`"error"` and the others still run. Benchmarks report figures; they never assert on speed.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from pathlib import Path

PACKAGE = "shopee_pipeline_tests.benchmarks"


def benchmark_names() -> list[str]:
    """Every `bench_*` module of this folder, sorted."""
    return sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    wanted = set(argv if argv is not None else sys.argv[1:])
    failures = 0
    for name in benchmark_names():
        if wanted and name not in wanted and name.removeprefix("bench_") not in wanted:
            continue
        started = time.perf_counter()
        try:
            importlib.import_module(f"{PACKAGE}.{name}").main()
        except Exception as error:
            failures += 1
            traceback.print_exc()
            print(json.dumps({"benchmark": name, "error": repr(error)}), flush=True)
        print(
            json.dumps({"benchmark": f"run_all.{name}", "seconds": round(time.perf_counter() - started, 1)}),
            file=sys.stderr,
            flush=True,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
