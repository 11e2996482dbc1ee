"""Benchmark of one scheduled tick over 20 shops x 2,000 changed orders, through the real run queue.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_tick` (`BENCH_TICK_SHOPS` / `BENCH_TICK_ORDERS`
scale it). A cluster as `bench_cluster` boots it (embedded Postgres, webhook receiver, a `dagster api grpc`
code server, a `dagster-daemon` whose QueuedRunCoordinator is the repository's), but on the real clock:
libfaketime, which `bench_cluster` needs to make the daemon's own tick fire at 23:45, makes a threaded
Python spin in the kernel when it hands the GIL over (a 20-thread microbenchmark: 0.01 s of system time
becomes 2.2 s), so no speed is measured under it here. Instead the sandbox's clock is frozen at 23:45
yesterday in Jakarta, `auto_sync_every_15_minutes` is evaluated for that instant (its own function,
as the daemon evaluates it) and each run it requests is submitted with `dagster job launch` to the queue,
from which the daemon launches it through the code server: the tick's runs, as a tick at 23:45 queues
them, without waiting for a quarter-hour. Measured from the first run queued to the last run finished:
orders synced, orders/s, calls, the request budget's bound (calls / `SHOPEE_MAX_REQUESTS_PER_SECOND`)
and the share of it reached, the run worker's peak RSS and the peak database connections. Prints one
JSON line.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from shopee_pipeline.run_tags import TRIGGER_TAG
from shopee_pipeline_tests.benchmarks.bench_cluster import (
    LATENCY_MS,
    RUN_TIMEOUT_S,
    booted_cluster,
    tick_figures,
)
from shopee_pipeline_tests.integration.cluster_helpers.cluster import (
    ClusterStack,
    wait_until_finished,
)
from shopee_pipeline_tests.integration.cluster_helpers.figures import ClusterSampler

JAKARTA = ZoneInfo("Asia/Jakarta")
SHOPS = int(os.environ.get("BENCH_TICK_SHOPS", "20"))
ORDERS_PER_SHOP = int(os.environ.get("BENCH_TICK_ORDERS", "2000"))
SHOPS_PER_RUN = int(os.environ.get("BENCH_TICK_SHOPS_PER_RUN", "25"))  # SHOPEE_SHOPS_PER_RUN's default
RUNS_AT_ONCE = 4  # the repository's dagster.yaml: max_concurrent_runs


def tick_instant() -> datetime:
    """23:45 yesterday in Jakarta: a whole day of changes but the last quarter-hour's waits for the tick."""
    yesterday = datetime.now(JAKARTA).date() - timedelta(days=1)
    return datetime(yesterday.year, yesterday.month, yesterday.day, 23, 45, tzinfo=JAKARTA)


def tick_requests(stack: ClusterStack, instance: dg.DagsterInstance, at: datetime) -> list[dg.RunRequest]:
    """The run requests of `auto_sync_every_15_minutes` evaluated for `at`, with the cluster's settings."""
    os.environ.update({k: v for k, v in stack.env.items() if k.startswith(("SHOPEE_", "DATABASE_URL"))})
    from shopee_pipeline.definitions import build_definitions
    from shopee_pipeline.settings import get_settings

    get_settings.cache_clear()
    schedule = build_definitions().resolve_schedule_def("auto_sync_every_15_minutes")
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=at)
    return list(schedule.evaluate_tick(context).run_requests or [])


def measure(shops: int, orders_per_shop: int) -> dict[str, object]:
    """One tick at 23:45 yesterday over a fresh cluster of `shops` shops with `orders_per_shop` a day."""
    root = Path(tempfile.mkdtemp(prefix="btk-", dir="/tmp"))  # short: the Postgres socket lives in it
    at = tick_instant()
    sandbox = {
        "shops": shops,
        "seed": 4041,
        "orders_per_shop_per_day": orders_per_shop,
        "history_days": 1,
        "latency_ms": LATENCY_MS,
        "start_time": int(at.timestamp()),
    }
    stack = ClusterStack(root, root, 0, sandbox, shift_clock=False)
    with booted_cluster(stack, root, RUNS_AT_ONCE, SHOPS_PER_RUN) as instance:
        requests = tick_requests(stack, instance, at)
        with ClusterSampler(stack.processes["grpc"].pid, stack.database_url) as sampler:
            for index, request in enumerate(requests):
                stack.launch_job(f"launch-{index}", "sync_shopee", dict(request.tags))
            for index in range(len(requests)):
                stack.wait(f"launch-{index}", 120)
            runs = instance.get_runs(filters=dg.RunsFilter(tags={TRIGGER_TAG: "auto_sync"}))
            run_ids = [run.run_id for run in runs]
            wait_until_finished(instance, stack, run_ids, RUN_TIMEOUT_S)
        figures = tick_figures(stack, instance, run_ids, sampler)
    return {
        "benchmark": "tick",
        "shops": shops,
        "orders_per_shop_per_day": orders_per_shop,
        "latency_ms": LATENCY_MS,
        "tick_at": at.isoformat(),
        "shops_per_run": SHOPS_PER_RUN,
        **figures,
        "targets": {"orders_per_s": 1500, "call_bound_share": 0.9},
    }


def main() -> None:
    """Run the tick and print its JSON line."""
    print(json.dumps(measure(SHOPS, ORDERS_PER_SHOP)), flush=True)


if __name__ == "__main__":
    main()
