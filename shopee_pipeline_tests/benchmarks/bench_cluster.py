"""Benchmark of one auto-sync tick fanned out over 1, 2 and 4 run workers at once, through the real run queue.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_cluster [--shops N] [--runs-at-once 1,2,4]
[--shops-per-run 25]` (`make bench` runs it with the defaults, `BENCH_CLUSTER_SHOPS` scales it). For each
`max_concurrent_runs` a fresh cluster (`cluster_helpers.cluster`: embedded Postgres, webhook receiver, a
sandbox of N shops, 40 orders per shop per day and 30 ms per call, its clock frozen; a `dagster api grpc`
code server; a `dagster-daemon` whose QueuedRunCoordinator is the repository's with that limit) runs
under a libfaketime offset that puts its clock `lead_s(N)` before 23:45 in Jakarta, so that nearly a whole
day of changes waits for the tick; the shops' onboarding is setup, not measured. Then
`auto_sync_every_15_minutes` ticks at 23:45 and its runs of `--shops-per-run` shops go through the
queue. Measured: from the tick's first run queued to its last run finished, orders synced and orders/s,
each run worker's peak RSS (VmHWM of the code server's run processes), the peak number of database
client connections (`pg_stat_activity`), and the sandbox's call counts. Prints a JSON line per round as it
ends, then a table and one JSON line of every round.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline_tests.integration.cluster_helpers.cluster import (
    ClusterStack,
    boot_cluster,
    expected_runs,
    free_port,
    offset_before,
    wait_for_schedule_state,
    wait_for_tick_runs,
    wait_until_finished,
)
from shopee_pipeline_tests.integration.cluster_helpers.figures import ClusterSampler, intervals, peak_overlap
from shopee_pipeline_tests.integration.soak_helpers.audit import warehouse_records

JAKARTA = ZoneInfo("Asia/Jakarta")
TICK_AT = (23, 45)  # late in the day: nearly 40 orders per shop changed since midnight
ORDERS_PER_SHOP = 40
LATENCY_MS = 30.0
RUN_TIMEOUT_S = 3600
MAX_REQUESTS_PER_SECOND = 100  # SHOPEE_MAX_REQUESTS_PER_SECOND's default, which the cluster keeps


def lead_s(shops: int) -> float:
    """How long before the tick the cluster's clock starts: its boot, most of it the shops' onboarding."""
    return 60 + 0.3 * shops


def measure(
    shops: int, runs_at_once: int, shops_per_run: int, orders_per_shop: int = ORDERS_PER_SHOP
) -> dict[str, object]:
    """One tick over a fresh cluster of `shops` shops (`orders_per_shop` a day) with
    `max_concurrent_runs: runs_at_once` (figures: `tick_figures`)."""
    root = Path(tempfile.mkdtemp(prefix="bcl-", dir="/tmp"))  # short: the Postgres socket lives in it
    lead = lead_s(shops)
    sandbox = {"shops": shops, "seed": 4040, "orders_per_shop_per_day": orders_per_shop, "history_days": 1}
    stack = ClusterStack(
        root, root, offset_before(lead, JAKARTA, *TICK_AT), sandbox | {"latency_ms": LATENCY_MS}
    )
    now = datetime.fromtimestamp(stack.now(), JAKARTA)
    tick = now.replace(hour=TICK_AT[0], minute=TICK_AT[1], second=0, microsecond=0).timestamp()
    runs = expected_runs(shops, shops_per_run)
    with booted_cluster(stack, root, runs_at_once, shops_per_run) as instance:
        wait_for_schedule_state(instance, stack, by=tick - 1)
        with ClusterSampler(stack.processes["grpc"].pid, stack.database_url) as sampler:
            run_ids = wait_for_tick_runs(instance, stack, tick, runs, lead + 120)
            wait_until_finished(instance, stack, run_ids, RUN_TIMEOUT_S)
        figures = tick_figures(stack, instance, run_ids, sampler)
    return {"runs_at_once": runs_at_once, **figures}


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


def table(rounds: list[dict[str, object]]) -> str:
    """The figures of each round, one line each."""
    head = f"{'at once':>7} {'runs':>4} {'ok':>3} {'wall s':>7} {'orders':>7} {'orders/s':>8} "
    head += f"{'rss max MB':>10} {'rss mean':>8} {'db conns':>8} {'calls':>6}"
    lines = [head]
    for r in rounds:
        rss = r["worker_peak_rss_mb"]
        lines.append(
            f"{r['runs_at_once']:>7} {r['runs']:>4} {r['succeeded']:>3} {r['tick_wall_s']:>7} "
            f"{r['orders']:>7} {r['orders_per_s']:>8} {rss['max']!s:>10} {rss['mean']!s:>8} "
            f"{r['db_connections_peak']:>8} {r['api_calls']:>6}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse `argv` (none from `run_all`: the defaults), run each round, print the table and the JSON line."""
    parser = argparse.ArgumentParser(prog="bench_cluster", description=__doc__.split("\n")[0])
    parser.add_argument("--shops", type=int, default=int(os.environ.get("BENCH_CLUSTER_SHOPS", "200")))
    parser.add_argument("--runs-at-once", default="1,2,4", help="max_concurrent_runs of each round")
    parser.add_argument("--shops-per-run", type=int, default=25, help="SHOPEE_SHOPS_PER_RUN")
    parser.add_argument("--orders", type=int, default=ORDERS_PER_SHOP, help="orders per shop per day")
    args = parser.parse_args(argv if argv is not None else [])
    started = time.monotonic()
    rounds = []
    for runs_at_once in args.runs_at_once.split(","):
        rounds.append(measure(args.shops, int(runs_at_once), args.shops_per_run, args.orders))
        print(json.dumps({"benchmark": "cluster_round", "shops": args.shops, **rounds[-1]}), flush=True)
    print(table(rounds), flush=True)
    summary = {
        "benchmark": "cluster",
        "shops": args.shops,
        "scaled": args.shops != 200,
        "orders_per_shop_per_day": args.orders,
        "latency_ms": LATENCY_MS,
        "shops_per_run": args.shops_per_run,
        "rounds": rounds,
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
