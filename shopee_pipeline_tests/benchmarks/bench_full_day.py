"""Benchmark of one full day: one `sync_shopee` run over today's partitions of every sandbox shop.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_full_day`. Starts a throwaway embedded Postgres and
a sandbox Shopee in its own process (20 shops x 2,000 orders today, 30 ms latency per call), connects every
shop (setup, not measured), then times one in-process run of the job as the auto-sync tick would launch
it (range tags over all shops for today). Prints one JSON line: wall time, orders/s, API calls per order, rows per table and
the peak RSS of this process. `BENCH_FULL_DAY_SHOPS` / `BENCH_FULL_DAY_ORDERS` scale it down.
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

from sqlalchemy import func, select

from shopee_pipeline_tests.benchmarks.remote_sandbox import RemoteSandbox

SHOPS = int(os.environ.get("BENCH_FULL_DAY_SHOPS", "20"))
ORDERS_PER_SHOP = int(os.environ.get("BENCH_FULL_DAY_ORDERS", "2000"))
SCHEMA = "bench_pipeline"


@dataclass
class Harness:
    """A connected pipeline: warehouse, sandbox, Dagster instance and settings."""

    warehouse: Any
    sandbox: Any
    instance: Any
    settings: Any
    connect_s: float


@contextmanager
def pipeline_harness(config) -> Iterator[Harness]:
    """Embedded Postgres + sandbox from `config` + every shop connected + a test Dagster instance."""
    import dagster as dg

    from shopee_pipeline.warehouse.database import create_warehouse_engine
    from shopee_pipeline.warehouse.embedded import embedded_database_url, release_embedded_server
    from shopee_pipeline.warehouse.migrate import upgrade
    from shopee_pipeline.warehouse.store import Warehouse

    data_dir = Path(tempfile.mkdtemp(prefix="spb-", dir="/tmp"))
    sandbox = None
    engine = None
    try:
        url = embedded_database_url(data_dir)
        engine = create_warehouse_engine(url)
        upgrade(engine, SCHEMA)
        warehouse = Warehouse(engine, SCHEMA)
        sandbox = RemoteSandbox(config)
        os.environ.update(
            {
                "DATABASE_URL": url,
                "SHOPEE_DB_SCHEMA": SCHEMA,
                "SHOPEE_PARTNER_ID": str(sandbox.partner_id),
                "SHOPEE_PARTNER_KEY": sandbox.partner_key,
                "SHOPEE_API_BASE_URL": sandbox.url,
            }
        )
        from shopee_pipeline.defs import resources
        from shopee_pipeline.onboarding import connect_shop
        from shopee_pipeline.settings import get_settings

        get_settings.cache_clear()
        resources._warehouse.cache_clear()
        settings = get_settings()
        started = time.perf_counter()
        for shop_id in sandbox.shop_ids:
            connect_shop(settings, warehouse, shop_id, sandbox.authorize(shop_id))
        connect_s = time.perf_counter() - started
        sandbox.reset_call_counts()
        with dg.instance_for_test() as instance:
            instance.add_dynamic_partitions("shops", [str(s) for s in sandbox.shop_ids])
            yield Harness(warehouse, sandbox, instance, settings, connect_s)
        resources._warehouse.cache_clear()
    finally:
        if sandbox is not None:
            sandbox.stop()
        if engine is not None:
            engine.dispose()
        release_embedded_server(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def run_today_for_all_shops(harness: Harness) -> tuple[bool, float]:
    """One `sync_shopee` run over today's partitions of every shop (range tags); (success, seconds)."""
    from shopee_pipeline.definitions import defs
    from shopee_pipeline.defs.schedules import RANGE_END, RANGE_START

    ordered = harness.instance.get_dynamic_partitions("shops")
    day = datetime.fromtimestamp(harness.sandbox.now(), harness.settings.timezone).date()
    job = defs.resolve_job_def("sync_shopee")
    started = time.perf_counter()
    result = job.execute_in_process(
        instance=harness.instance,
        tags={RANGE_START: f"{day}|{ordered[0]}", RANGE_END: f"{day}|{ordered[-1]}"},
        raise_on_error=False,
    )
    return result.success, time.perf_counter() - started


def row_counts(warehouse) -> dict[str, int]:
    """Rows in every warehouse table that has any."""
    from shopee_pipeline.warehouse import tables

    counts = {}
    with warehouse.connect() as conn:
        for table in tables.metadata.sorted_tables:
            counts[table.name] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    return {k: v for k, v in counts.items() if v}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    from shopee_pipeline.sandbox import SandboxConfig

    config = SandboxConfig(
        shops=SHOPS, seed=2026, orders_per_shop_per_day=ORDERS_PER_SHOP, history_days=1, latency_ms=30
    )
    with pipeline_harness(config) as harness:
        success, seconds = run_today_for_all_shops(harness)
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
                    "success": success,
                    "wall_s": round(seconds, 2),
                    "orders": orders,
                    "orders_per_s": round(orders / seconds, 1),
                    "api_calls": calls["total"],
                    "api_calls_per_order": round(calls["total"] / orders, 3) if orders else None,
                    "api_calls_by_path": {k: v for k, v in sorted(calls.items()) if k != "total"},
                    "rows": rows,
                    "peak_rss_mb": peak_rss_mb(),
                    "connect_setup_s": round(harness.connect_s, 2),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
