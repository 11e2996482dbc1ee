"""The contract's command against the seed algorithm, on the same data in the same run: 3 shops x 2,000
changed orders at 30 ms per call.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_seed_materialize` (`BENCH_SEED_SHOPS` /
`BENCH_SEED_ORDERS` scale it). The stack is `bench_full_day`'s (throwaway embedded Postgres, the sandbox
in its own process, its clock frozen at 23:59 yesterday in Jakarta, every shop connected). Ours is one
`dagster asset materialize` of every synced asset over that day's partitions of the shops, in its own
process, as a tick or a backfill runs it (process start, imports and Dagster's events included). Then,
call counts reset, the seed algorithm (`bench_baseline.run_seed`: one shop after another, one call
after another, one escrow call per order, one tracking call per package, one INSERT per row, through
the same `ShopeeClient`) syncs the same shops' day into schema `bench_seed`. Prints one JSON line per
path and one with the speed-up and calls ratio against the targets (20x, at most 0.065 calls per order).
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime

from shopee_pipeline_tests.benchmarks.bench_baseline import SEED_SCHEMA, _windows, run_seed
from shopee_pipeline_tests.benchmarks.bench_full_day import frozen_day_sandbox, pipeline_harness, row_counts

SHOPS = int(os.environ.get("BENCH_SEED_SHOPS", "3"))
ORDERS = int(os.environ.get("BENCH_SEED_ORDERS", "2000"))
TARGET_SPEEDUP = 20.0
TARGET_CALLS_PER_ORDER = 0.065


def _api_calls(harness) -> int:
    return sum(n for path, n in harness.sandbox.call_counts().items() if "/api/" in path)


def main() -> None:
    """Run ours through `dagster asset materialize`, then the seed, and print their figures."""
    from shopee_pipeline.launcher import materialize_range, partitions_range
    from shopee_pipeline.warehouse.migrate import upgrade
    from shopee_pipeline.warehouse.store import Warehouse

    with pipeline_harness(frozen_day_sandbox(SHOPS, ORDERS)) as harness:
        day = datetime.fromtimestamp(harness.sandbox.now(), harness.settings.timezone).date()
        started = time.perf_counter()
        completed = materialize_range(partitions_range(day, day))
        ours_s = time.perf_counter() - started
        if completed.returncode != 0:
            print(completed.stderr[-4000:], flush=True)
        ours_orders = row_counts(harness.warehouse).get("orders", 0)
        ours = {"path": "ours", "command": "dagster asset materialize", "success": completed.returncode == 0}
        ours |= {"wall_s": round(ours_s, 2), "orders": ours_orders, "api_calls": _api_calls(harness)}
        print(json.dumps({"benchmark": "seed_materialize", **ours}), flush=True)

        seed_store = Warehouse(harness.warehouse.engine, SEED_SCHEMA)
        upgrade(seed_store.engine, SEED_SCHEMA)
        harness.sandbox.reset_call_counts()
        figures = run_seed(harness, seed_store, _windows(harness, sorted(harness.sandbox.shop_ids)))
        seed = {"path": "seed", "wall_s": round(figures["wall_s"], 2)}
        seed |= {"orders": row_counts(seed_store).get("orders", 0), "api_calls": _api_calls(harness)}
        print(json.dumps({"benchmark": "seed_materialize", **seed}), flush=True)
        ratios = {
            "benchmark": "seed_materialize_ratios",
            "shops": SHOPS,
            "orders_per_shop": ORDERS,
            "latency_ms": 30,
            "speedup": round(seed["wall_s"] / ours["wall_s"], 1),
            "ours_orders_per_s": round(ours_orders / ours["wall_s"], 1),
            "seed_orders_per_s": round(seed["orders"] / seed["wall_s"], 1),
            "ours_calls_per_order": round(ours["api_calls"] / max(ours_orders, 1), 4),
            "seed_calls_per_order": round(seed["api_calls"] / max(seed["orders"], 1), 4),
            "targets": {"speedup": TARGET_SPEEDUP, "calls_per_order": TARGET_CALLS_PER_ORDER},
        }
        print(json.dumps(ratios), flush=True)


if __name__ == "__main__":
    main()
