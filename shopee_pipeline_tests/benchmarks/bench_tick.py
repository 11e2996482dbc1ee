"""Benchmark of one scheduled tick over 20 shops x 2,000 changed orders, through the real run queue.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_tick` (`BENCH_TICK_SHOPS` / `BENCH_TICK_ORDERS`
scale it; `bench_cluster` runs it at 1, 2 and 4 runs at once). A cluster (`cluster_helpers.cluster`:
embedded Postgres, webhook receiver, a `dagster api grpc` code server, a `dagster-daemon` whose
QueuedRunCoordinator is the repository's) runs on the real clock: libfaketime, which the cluster test
needs to make the daemon's own tick fire at a chosen hour, makes a threaded Python spin in the kernel
when it hands the GIL over (a 20-thread microbenchmark: 0.01 s of system time becomes 2.2 s), so no
speed is measured under it. Instead the sandbox's clock is frozen at 23:45 yesterday in Jakarta,
`auto_sync_every_15_minutes` is evaluated for that instant (its own function, as the daemon evaluates it)
and each run it requests is submitted with `dagster job launch` to the queue, from which the daemon
launches it through the code server: the tick's runs, as a tick at 23:45 queues them, without waiting
for a quarter-hour. Measured from the first run queued to the last run finished (`tick_figures`):
orders synced, orders/s, calls, the request budget's bound (calls / `SHOPEE_MAX_REQUESTS_PER_SECOND`)
and the share of it reached, the run workers' peak RSS and CPU seconds and the peak database
connections. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from shopee_pipeline.run_tags import TRIGGER_TAG
from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline_tests.integration.cluster_helpers.cluster import (
    ClusterStack,
    boot_cluster,
    free_port,
    wait_until_finished,
)
from shopee_pipeline_tests.integration.cluster_helpers.figures import ClusterSampler, intervals, peak_overlap
from shopee_pipeline_tests.integration.soak_helpers.audit import warehouse_records

JAKARTA = ZoneInfo("Asia/Jakarta")
SHOPS = int(os.environ.get("BENCH_TICK_SHOPS", "20"))
ORDERS_PER_SHOP = int(os.environ.get("BENCH_TICK_ORDERS", "2000"))
SHOPS_PER_RUN = int(os.environ.get("BENCH_TICK_SHOPS_PER_RUN", "25"))  # SHOPEE_SHOPS_PER_RUN's default
RUNS_AT_ONCE = 4  # the repository's dagster.yaml: max_concurrent_runs
LATENCY_MS = 30.0
RUN_TIMEOUT_S = 3600
MAX_REQUESTS_PER_SECOND = 100  # SHOPEE_MAX_REQUESTS_PER_SECOND's default, which the cluster keeps


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


def measure(
    shops: int, orders_per_shop: int, shops_per_run: int = SHOPS_PER_RUN, runs_at_once: int = RUNS_AT_ONCE
) -> dict[str, object]:
    """One tick at 23:45 yesterday over a fresh cluster of `shops` shops with `orders_per_shop` a day, cut
    into runs of `shops_per_run` shops, `runs_at_once` of them at a time."""
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
    with booted_cluster(stack, root, runs_at_once, shops_per_run) as instance:
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
        "shops_per_run": shops_per_run,
        "runs_at_once": runs_at_once,
        **figures,
        "targets": {"orders_per_s": 1500, "call_bound_share": 0.9},
    }


@contextmanager
def booted_cluster(
    stack: ClusterStack, root: Path, runs_at_once: int, shops_per_run: int
) -> Iterator[dg.DagsterInstance]:
    """`stack` booted (`boot_cluster`), its sandbox's call counts reset, and its Dagster instance; every
    process stopped and `root` removed afterwards."""
    try:
        boot_cluster(stack, runs_at_once, shops_per_run, free_port())
        stack.sandbox_control("POST", "calls/reset")
        os.environ["DAGSTER_POSTGRES_URL"] = stack.env["DAGSTER_POSTGRES_URL"]
        with dg.DagsterInstance.from_config(str(stack.dagster_home)) as instance:
            yield instance
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)


def warehouse_orders(stack: ClusterStack) -> int:
    """How many orders the cluster's warehouse holds."""
    engine = create_warehouse_engine(stack.database_url)
    try:
        return len(warehouse_records(Warehouse(engine, "shopee"))[0])
    finally:
        engine.dispose()


def tick_figures(
    stack: ClusterStack, instance: dg.DagsterInstance, run_ids: list[str], sampler: ClusterSampler
) -> dict[str, object]:
    """The figures of a tick's runs `run_ids`, finished, with the sandbox's call counts, the orders in the
    warehouse and what `sampler` saw: wall time from the first run queued to the last finished, orders/s,
    calls and the request budget's bound (`call_bound_share`: the calls' least time at
    `SHOPEE_MAX_REQUESTS_PER_SECOND` over the wall time), the run workers' peak RSS and CPU seconds, peak
    database connections."""
    records = instance.get_run_records(filters=dg.RunsFilter(run_ids=run_ids))
    calls = stack.sandbox_control("GET", "calls")["calls"]
    orders = warehouse_orders(stack)
    spans = intervals(records)
    wall = max(end for _, end in spans) - min(r.create_timestamp.timestamp() for r in records)
    total_calls = calls.get("total", sum(calls.values()))
    bound = total_calls / MAX_REQUESTS_PER_SECOND
    return {
        "runs": len(records),
        "succeeded": sum(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records),
        "runs_peak_concurrency": peak_overlap(spans),
        "tick_wall_s": round(wall, 1),
        "orders": orders,
        "orders_per_s": round(orders / wall, 1),
        "api_calls": total_calls,
        "calls_per_order": round(total_calls / max(orders, 1), 4),
        "call_bound_s": round(bound, 1),
        "call_bound_share": round(bound / wall, 2),
        "worker_peak_rss_mb": sampler.worker_peak_mb(),
        "worker_cpu_s": sampler.worker_cpu_s(),
        "workers_peak_concurrency": sampler.peak_workers,
        "db_connections_peak": sampler.peak_connections,
        "api_calls_by_path": dict(sorted(calls.items())),
    }


def main() -> None:
    """Run the tick and print its JSON line."""
    print(json.dumps(measure(SHOPS, ORDERS_PER_SHOP)), flush=True)


if __name__ == "__main__":
    main()
