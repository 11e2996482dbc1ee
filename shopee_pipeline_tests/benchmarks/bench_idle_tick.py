"""Benchmark of one auto-sync tick over 200 idle shops: what a quiet 15 minutes costs.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_idle_tick`. Starts a throwaway embedded Postgres
and a sandbox Shopee with 200 shops and no activity, connects them all (setup, not measured), then times
one `dagster asset materialize` (its own process) over today's partitions of all 200 shops, end to end
with Dagster's overhead. Prints one JSON line: wall time and API calls (target: one list call per shop
per stream). `BENCH_IDLE_SHOPS` scales it down.
"""

from __future__ import annotations

import json
import os

from shopee_pipeline_tests.benchmarks.bench_full_day import (
    pipeline_harness,
    row_counts,
    run_today_for_all_shops,
)

SHOPS = int(os.environ.get("BENCH_IDLE_SHOPS", "200"))


def main() -> None:
    from shopee_pipeline.sandbox import SandboxConfig

    config = SandboxConfig(shops=SHOPS, seed=2027, idle_shops=SHOPS, history_days=1)
    with pipeline_harness(config) as harness:
        run = run_today_for_all_shops(harness)
        seconds = run.seconds
        calls = harness.sandbox.call_counts()
        print(
            json.dumps(
                {
                    "benchmark": "idle_tick",
                    "shops": SHOPS,
                    "scaled": SHOPS != 200,
                    "success": run.success,
                    "wall_s": round(seconds, 2),
                    "per_shop_ms": round(seconds / SHOPS * 1000, 1),
                    "api_calls": calls["total"],
                    "api_calls_per_shop": round(calls["total"] / SHOPS, 2),
                    "api_calls_by_path": {k: v for k, v in sorted(calls.items()) if k != "total"},
                    "rows": row_counts(harness.warehouse),
                    "run_worker_peak_rss_mb": run.worker_peak_mb,
                    "run_worker_cpu_s": run.worker_cpu_s,
                    "connect_setup_s": round(harness.connect_s, 2),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
