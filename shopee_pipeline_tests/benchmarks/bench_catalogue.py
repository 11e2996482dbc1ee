"""What the catalogue costs: one shop with 5,000 products (60% with three variations) at 30 ms per call,
its first sync (the whole catalogue) and a daily whole re-read, each one `dagster asset materialize` of
`items,item_models,stock_history` in its own process, with the sandbox in another.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_catalogue`. The stack is `bench_full_day`'s
(throwaway embedded Postgres, sandbox frozen at 23:59 yesterday in Jakarta). Prints one JSON line per case:
calls by path and per product, the wall time against the time those calls need at the rate the client
learned (`rate_limits`, the shop's scope) and against 30 ms each one after another, and the materialize
process's peak RSS. `BENCH_CATALOGUE_ITEMS` scales the catalogue.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from sqlalchemy import func, select, text

from shopee_pipeline_tests.benchmarks.bench_full_day import end_of_yesterday, pipeline_harness

ITEMS = int(os.environ.get("BENCH_CATALOGUE_ITEMS", "5000"))
LATENCY_MS = 30
SELECTION = "items,item_models,stock_history"


def catalogue_sandbox():
    """One shop of `ITEMS` products, 60% of those nobody buys with three variations, 30 ms per call."""
    from shopee_pipeline.sandbox import SandboxConfig

    return SandboxConfig(
        shops=1,
        seed=2026,
        orders_per_shop_per_day=200,
        history_days=1,
        latency_ms=LATENCY_MS,
        start_time=end_of_yesterday(),
        catalog_items=ITEMS,
        catalog_variant_share=0.6,
    )


def materialize(
    partition: str, config: dict[str, Any] | None
) -> tuple[float, int, subprocess.CompletedProcess]:
    """The contract's command for one partition in its own process (under `/usr/bin/time`, which reports its
    peak RSS): `(seconds, peak_rss_kb, completed)`."""
    command = [
        "/usr/bin/time",
        "-f",
        "peak_rss_kb=%M",
        sys.executable,
        "-m",
        "dagster",
        "asset",
        "materialize",
    ]
    command += ["-m", "shopee_pipeline.definitions", "--select", SELECTION, "--partition", partition]
    if config:
        command += ["--config-json", json.dumps(config)]
    started = time.perf_counter()
    completed = subprocess.run(command, env=os.environ.copy(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    rss = [line for line in completed.stderr.splitlines() if line.startswith("peak_rss_kb=")]
    return seconds, int(rss[-1].split("=")[1]) if rss else 0, completed


def catalogue_rows(warehouse) -> dict[str, int]:
    """Rows of the catalogue's tables, and how many products have variations."""
    from shopee_pipeline.warehouse import tables

    with warehouse.connect() as conn:
        counts = {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (tables.items, tables.item_models, tables.stock_history)
        }
        counts["items_with_variations"] = int(
            conn.execute(select(func.count()).where(tables.items.c.has_model.is_(True))).scalar_one()
        )
    return counts


def learned_rate(warehouse, shop: int) -> float | None:
    """The requests per second the client learned for the shop (None before any)."""
    with warehouse.connect() as conn:
        rate = conn.execute(
            text(f'SELECT rate FROM "{warehouse.schema}".rate_limits WHERE scope = :scope'),
            {"scope": f"shop:{shop}"},
        ).scalar()
    return float(rate) if rate is not None else None


def main() -> None:
    from datetime import datetime

    with pipeline_harness(catalogue_sandbox()) as harness:
        shop = harness.sandbox.shop_ids[0]
        day = datetime.fromtimestamp(harness.sandbox.now(), harness.settings.timezone).date()
        cases = {
            "first_sync": None,
            "daily_reread": {"ops": {"items": {"config": {"full_resync": True}}}},
        }
        for case, config in cases.items():
            harness.sandbox.reset_call_counts()
            seconds, rss_kb, completed = materialize(f"{day}|{shop}", config)
            if completed.returncode != 0:
                print(completed.stderr[-4000:], flush=True)
            calls = harness.sandbox.call_counts()
            total = calls.get("total", 0)
            rows = catalogue_rows(harness.warehouse)
            rate = learned_rate(harness.warehouse, shop)
            print(
                json.dumps(
                    {
                        "benchmark": "catalogue",
                        "case": case,
                        "success": completed.returncode == 0,
                        "items": rows["items"],
                        "items_with_variations": rows["items_with_variations"],
                        "rows": rows,
                        "latency_ms": LATENCY_MS,
                        "api_calls": total,
                        "api_calls_by_path": {k: v for k, v in sorted(calls.items()) if k != "total"},
                        "calls_per_item": round(total / rows["items"], 3) if rows["items"] else None,
                        "wall_s": round(seconds, 2),
                        "learned_rate_per_s": round(rate, 2) if rate else None,
                        "call_bound_s_at_learned_rate": round(total / rate, 2) if rate else None,
                        "serial_latency_bound_s": round(total * LATENCY_MS / 1000, 2),
                        "materialize_peak_rss_mb": round(rss_kb / 1024, 1),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
