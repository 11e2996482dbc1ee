"""Benchmark of one full day: one sync over the day's partitions of every sandbox shop.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_full_day`. Starts a throwaway embedded Postgres
and a sandbox Shopee in its own process (20 shops x 2,000 orders a day, 30 ms latency per call), its
clock frozen at 23:59 yesterday in Jakarta so that a whole day of orders exists whatever the hour;
connects every shop (setup, not measured), then times one `dagster asset materialize` over that day's
partitions of all shops, in its own run-worker process, as the auto-sync tick runs it. Prints one JSON
line: wall time, orders/s, API calls per order, rows per table and the run worker's peak RSS.
`BENCH_FULL_DAY_SHOPS` / `BENCH_FULL_DAY_ORDERS` scale it down.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from shopee_pipeline_tests.benchmarks.remote_sandbox import RemoteSandbox

SHOPS = int(os.environ.get("BENCH_FULL_DAY_SHOPS", "20"))
ORDERS_PER_SHOP = int(os.environ.get("BENCH_FULL_DAY_ORDERS", "2000"))
SCHEMA = "bench_pipeline"


@dataclass
class Harness:
    """A connected local stack: warehouse, sandbox (own process), Dagster instance on Postgres."""

    warehouse: Any
    sandbox: RemoteSandbox
    settings: Any
    connect_s: float


@contextmanager
def pipeline_harness(config) -> Iterator[Harness]:
    """The stack `make demo` uses, in a throwaway folder: embedded Postgres, Dagster's storage on it, the
    sandbox from `config` in its own process, every shop connected (setup, not measured)."""
    from shopee_pipeline.launcher import connect_sandbox_shops, prepare_stack, use_sandbox
    from shopee_pipeline.settings import get_settings
    from shopee_pipeline.warehouse.embedded import release_embedded_server

    data_dir = Path(tempfile.mkdtemp(prefix="spb-", dir="/tmp"))
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        {
            "SHOPEE_DATA_DIR": str(data_dir),
            "DAGSTER_HOME": str(data_dir / "dagster_home"),
            "SHOPEE_DB_SCHEMA": SCHEMA,
        }
    )
    get_settings.cache_clear()
    sandbox = None
    try:
        stack = prepare_stack(get_settings())
        os.environ["DATABASE_URL"] = str(
            stack.warehouse.engine.url.render_as_string(hide_password=False)
        ).replace("postgresql+psycopg://", "postgresql://")
        sandbox = RemoteSandbox(config)
        settings = use_sandbox(sandbox.url, sandbox.partner_id, sandbox.partner_key)
        started = time.perf_counter()
        connect_sandbox_shops(settings, stack, sandbox)
        connect_s = time.perf_counter() - started
        sandbox.reset_call_counts()
        yield Harness(stack.warehouse, sandbox, settings, connect_s)
        stack.warehouse.engine.dispose()
    finally:
        if sandbox is not None:
            sandbox.stop()
        release_embedded_server(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


@dataclass
class RunFigures:
    """What one measured run cost: wall time, the run worker's peak memory, and CPU by process."""

    success: bool
    seconds: float
    worker_peak_mb: float
    worker_cpu_s: float
    sandbox_cpu_s: float


def run_today_for_all_shops(harness: Harness) -> RunFigures:
    """One `dagster asset materialize` over today's partitions of every shop, in its own run-worker
    process, as the auto-sync tick runs it."""
    from shopee_pipeline.launcher import materialize_range, partitions_range

    day = datetime.fromtimestamp(harness.sandbox.now(), harness.settings.timezone).date()
    sandbox_cpu = harness.sandbox.cpu_seconds()
    started = time.perf_counter()
    completed = materialize_range(partitions_range(day, day))
    seconds = time.perf_counter() - started
    if completed.returncode != 0 or os.environ.get("BENCH_SHOW_RUN_LOG"):
        print(completed.stderr[-20000:], flush=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return RunFigures(
        success=completed.returncode == 0,
        seconds=seconds,
        worker_peak_mb=round(usage.ru_maxrss / 1024, 1),
        worker_cpu_s=round(usage.ru_utime + usage.ru_stime, 1),
        sandbox_cpu_s=round(harness.sandbox.cpu_seconds() - sandbox_cpu, 1),
    )


def row_counts(warehouse) -> dict[str, int]:
    """Rows in every warehouse table that has any."""
    from shopee_pipeline.warehouse import tables

    counts = {}
    with warehouse.connect() as conn:
        for table in tables.metadata.sorted_tables:
            counts[table.name] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    return {k: v for k, v in counts.items() if v}


def end_of_yesterday(tz_name: str = "Asia/Jakarta") -> int:
    """23:59 yesterday in Jakarta, as Unix seconds: a sandbox frozen there holds a whole day of orders,
    whatever the hour the benchmark runs (the pipeline reads that past day whole)."""
    midnight = datetime.now(ZoneInfo(tz_name)).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(midnight.timestamp()) - 60


def frozen_day_sandbox(shops: int, orders_per_shop: int):
    """The benchmarks' sandbox: `shops` shops with `orders_per_shop` orders changed yesterday, 30 ms per
    call, its clock frozen at 23:59 yesterday in Jakarta (`end_of_yesterday`)."""
    from shopee_pipeline.sandbox import SandboxConfig

    return SandboxConfig(
        shops=shops,
        seed=2026,
        orders_per_shop_per_day=orders_per_shop,
        history_days=1,
        latency_ms=30,
        start_time=end_of_yesterday(),
    )


def main() -> None:
    with pipeline_harness(frozen_day_sandbox(SHOPS, ORDERS_PER_SHOP)) as harness:
        run = run_today_for_all_shops(harness)
        seconds = run.seconds
        calls = harness.sandbox.call_counts()
        rows = row_counts(harness.warehouse)
        orders = rows.get("orders", 0)
        print(
            json.dumps(
                {
                    "benchmark": "full_day",
                    "shops": SHOPS,
                    "orders_per_shop_per_day": ORDERS_PER_SHOP,
                    "latency_ms": 30,
                    "scaled": (SHOPS, ORDERS_PER_SHOP) != (20, 2000),
                    "success": run.success,
                    "wall_s": round(seconds, 2),
                    "orders": orders,
                    "orders_per_s": round(orders / seconds, 1),
                    "api_calls": calls["total"],
                    "api_calls_per_order": round(calls["total"] / orders, 3) if orders else None,
                    "api_calls_by_path": {k: v for k, v in sorted(calls.items()) if k != "total"},
                    "rows": rows,
                    "run_worker_peak_rss_mb": run.worker_peak_mb,
                    "run_worker_cpu_s": run.worker_cpu_s,
                    "sandbox_cpu_s": run.sandbox_cpu_s,
                    "connect_setup_s": round(harness.connect_s, 2),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
