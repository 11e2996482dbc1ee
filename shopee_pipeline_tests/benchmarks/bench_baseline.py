"""Benchmark of our fetch + write path against the seed algorithm, in the same run, on the same data.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_baseline`. Starts the stack of `bench_full_day`
(embedded Postgres, the same sandbox in its own process: 20 shops x 2,000 orders today, 30 ms latency per
call, every shop connected), then syncs today's orders and escrow of a subset of shops
(`BENCH_BASELINE_SHOPS`, default 2, because the baseline is slow by design) twice, one path after the
other, call counts reset between:

- ours: `stream_orders` + `stream_escrow` (with `escrow_due`) and the set-based writes of
  `shopee_pipeline.warehouse.upsert`, into schema `bench_ours`;
- the seed algorithm, single-threaded as a naive script: list page by page (100 per page), details of
  each page 50 at a time, one `get_escrow_detail` per order, one `get_tracking_number` per package of a
  shipped order, and one `INSERT` per row, into schema `bench_seed`.

Both paths use the same `ShopeeClient` class (signing, retries, rate limits equal) and the same normalised
rows. Prints one JSON line per path, then one with the ratios and the targets (20x faster, 12x fewer
calls) and the row counts of both schemas. Never asserts on speed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects.postgresql import insert

from shopee_pipeline.sync.fetch import ORDER_DETAIL, ORDER_LIST
from shopee_pipeline_tests.benchmarks.bench_full_day import Harness, pipeline_harness

ALL_SHOPS = 20
ORDERS_PER_SHOP = int(os.environ.get("BENCH_BASELINE_ORDERS", "2000"))
SHOPS = int(os.environ.get("BENCH_BASELINE_SHOPS", "2"))
OURS_SCHEMA = "bench_ours"
SEED_SCHEMA = "bench_seed"
LIST_PAGE_SIZE = 100
TARGET_SPEEDUP = 20.0
TARGET_CALLS_RATIO = 12.0
COUNTED_TABLES = ("orders", "order_items", "logistics", "escrow", "escrow_items")


def _windows(harness: Harness, shop_ids: list[int]) -> dict[int, list[Any]]:
    """Today's update_time window of each shop, as a first sync (no high-water mark) plans it."""
    from datetime import UTC, timedelta

    from shopee_pipeline.sync.windows import shop_windows

    settings = harness.settings
    now = datetime.fromtimestamp(harness.sandbox.now(), UTC)
    today = now.astimezone(settings.timezone).date()
    overlap = timedelta(minutes=settings.overlap_minutes)
    return {shop: shop_windows([today], settings.timezone, now, None, overlap) for shop in shop_ids}


def run_ours(harness: Harness, warehouse: Any, windows: dict[int, list[Any]]) -> dict[str, Any]:
    """Our path: parallel shops, batched detail/escrow/tracking calls, set-based writes; returns figures."""
    from shopee_pipeline.defs.resources import ShopeeResource
    from shopee_pipeline.sync.fetch import escrow_jobs, stream_escrow, stream_orders
    from shopee_pipeline.warehouse import tables
    from shopee_pipeline.warehouse.lookups import escrow_due, known_tracking_numbers
    from shopee_pipeline.warehouse.upsert import ChildrenSpec, UpsertSpec, replace_children, upsert

    resource = ShopeeResource()

    def known(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        with warehouse.connect() as conn:
            return known_tracking_numbers(conn, pairs)

    started = time.perf_counter()
    with resource.client(harness.warehouse) as client:
        result = stream_orders(client, windows, known, concurrency=resource.shop_concurrency).collect()
        rows = result.rows
        with warehouse.begin() as conn:
            schema = warehouse.schema
            replace_children(
                conn,
                schema,
                ChildrenSpec(tables.order_items, tables.orders, "order_sn"),
                rows.order_items,
                result.parents_of("order_items"),
            )
            replace_children(
                conn,
                schema,
                ChildrenSpec(tables.logistics, tables.orders, "order_sn"),
                rows.logistics,
                result.parents_of("logistics"),
            )
            upsert(conn, schema, UpsertSpec(tables.orders, ("order_sn",)), rows.orders)
        with warehouse.connect() as conn:
            due = escrow_due(conn, rows.orders)
        wanted = due.groupby("shop_id")["order_sn"].agg(list).to_dict() if not due.empty else {}
        update_times = dict(zip(due["order_sn"], due["update_time"], strict=True))
        escrow = stream_escrow(
            client, escrow_jobs(wanted), update_times, concurrency=resource.shop_concurrency
        ).collect()
        with warehouse.begin() as conn:
            replace_children(
                conn,
                warehouse.schema,
                ChildrenSpec(tables.escrow_items, tables.escrow, "order_sn", "order_update_time"),
                escrow.rows.escrow_items,
                escrow.parents_of("escrow_items"),
            )
            upsert(
                conn,
                warehouse.schema,
                UpsertSpec(tables.escrow, ("order_sn",), "order_update_time"),
                escrow.rows.escrow,
            )
    wall = time.perf_counter() - started
    failures = [f.describe() for f in result.failures + escrow.failures]
    return {"wall_s": wall, "failures": failures, "shop_concurrency": resource.shop_concurrency}


def _insert_rows(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """One `INSERT ... ON CONFLICT DO NOTHING` statement per row, as a naive script writes."""
    for row in frame.to_dict("records"):
        conn.execute(insert(table).values(**row).on_conflict_do_nothing())
    return len(frame)


def run_seed(harness: Harness, warehouse: Any, windows: dict[int, list[Any]]) -> dict[str, Any]:
    """The seed algorithm: one shop after another, one call after another, one INSERT per row.

    A naive script calls as fast as the answers come: its client (the same `ShopeeClient`: signing,
    retries, tokens from the warehouse) starts each shop at the cap, `SHOPEE_MAX_REQUESTS_PER_SECOND`,
    and shares no learned rates. Through `ShopeeResource().client` it started at 10 requests/s per shop,
    or at what our run had taught the shared budget, and that pacing, not the emulator, held each
    sequential call about 10-20 ms above the sandbox's latency: the ratio then credited our speed-up
    with our own limiter slowing the seed."""
    from shopee_pipeline.normalize.escrow import normalize_escrow
    from shopee_pipeline.normalize.orders import normalize_orders
    from shopee_pipeline.onboarding import shopee_config
    from shopee_pipeline.shopee import ShopeeClient
    from shopee_pipeline.shopee.config import DETAIL_BATCH
    from shopee_pipeline.warehouse import tables
    from shopee_pipeline.warehouse.token_store import PostgresTokenStore

    settings, store = harness.settings, harness.warehouse
    config = shopee_config(settings, shop_rate_per_second=settings.max_requests_per_second)
    started = time.perf_counter()
    with (
        ShopeeClient(config, PostgresTokenStore(store.engine, store.schema)) as client,
        warehouse.begin() as conn,
    ):
        for shop_id, shop_windows in sorted(windows.items()):
            for window in shop_windows:
                pages = client.iter_list(
                    ORDER_LIST, shop_id, window.time_from, window.time_to, page_size=LIST_PAGE_SIZE
                )
                for page in pages:
                    order_sns = [entry["order_sn"] for entry in page if entry.get("order_sn")]
                    for i in range(0, len(order_sns), DETAIL_BATCH):
                        batch = client.get_details(ORDER_DETAIL, shop_id, order_sns[i : i + DETAIL_BATCH])
                        orders = _seed_batch(client, conn, shop_id, batch.items, normalize_orders, tables)
                        _seed_escrow(client, conn, shop_id, orders, normalize_escrow, tables)
    return {"wall_s": time.perf_counter() - started, "failures": [], "shop_concurrency": 1}


def _seed_batch(
    client: Any, conn: Connection, shop_id: int, details: list[dict], normalize: Callable, tables: Any
) -> pd.DataFrame:
    """Normalise one detail batch, fetch every shipped package's tracking number alone, insert row by row;
    return the batch's `orders` rows."""
    from shopee_pipeline.sync.fetch import TRACKED_STATUSES

    rows = normalize(shop_id, details)
    status = dict(zip(rows.orders["order_sn"], rows.orders["order_status"], strict=True))
    numbers = []
    for order_sn, package in zip(rows.logistics["order_sn"], rows.logistics["package_number"], strict=True):
        number = None
        if status.get(order_sn) in TRACKED_STATUSES:
            number = client.get_tracking_number(shop_id, order_sn, package).get("tracking_number") or None
        numbers.append(number)
    rows.logistics["tracking_number"] = numbers
    _insert_rows(conn, tables.orders, rows.orders)
    _insert_rows(conn, tables.order_items, rows.order_items)
    _insert_rows(conn, tables.logistics, rows.logistics)
    return rows.orders


def _seed_escrow(
    client: Any, conn: Connection, shop_id: int, orders: pd.DataFrame, normalize: Callable, tables: Any
) -> None:
    """One `get_escrow_detail` per paid order of the batch, each escrow inserted row by row."""
    from shopee_pipeline.warehouse.lookups import NO_ESCROW_STATUSES

    for order_sn, order_status, update_time in orders[["order_sn", "order_status", "update_time"]].itertuples(
        index=False, name=None
    ):
        if order_status in NO_ESCROW_STATUSES:
            continue
        detail = client.get_escrow_detail(shop_id, order_sn)
        rows = normalize(shop_id, [detail], {order_sn: update_time})
        _insert_rows(conn, tables.escrow, rows.escrow)
        _insert_rows(conn, tables.escrow_items, rows.escrow_items)


def _counts(warehouse: Any) -> dict[str, int]:
    from shopee_pipeline.warehouse import tables

    with warehouse.connect() as conn:
        return {
            name: int(
                conn.execute(select(func.count()).select_from(tables.metadata.tables[name])).scalar_one()
            )
            for name in COUNTED_TABLES
        }


def _path_line(path: str, figures: dict[str, Any], calls: dict[str, int], counts: dict[str, int]) -> dict:
    orders = counts["orders"]
    return {
        "benchmark": "baseline",
        "path": path,
        "shops": SHOPS,
        "wall_s": round(figures["wall_s"], 2),
        "api_calls": calls["total"],
        "calls_per_order": round(calls["total"] / orders, 3) if orders else None,
        "orders": orders,
        "api_calls_by_path": {k: v for k, v in sorted(calls.items()) if k != "total"},
        "rows": counts,
        "shop_concurrency": figures["shop_concurrency"],
        "failures": figures["failures"],
    }


def main() -> None:
    """Run both paths on the same sandbox and print their JSON lines and the ratios."""
    from shopee_pipeline.sandbox import SandboxConfig
    from shopee_pipeline.warehouse.migrate import upgrade
    from shopee_pipeline.warehouse.store import Warehouse

    config = SandboxConfig(
        shops=ALL_SHOPS, seed=2026, orders_per_shop_per_day=ORDERS_PER_SHOP, history_days=1, latency_ms=30
    )
    with pipeline_harness(config) as harness:
        engine = harness.warehouse.engine
        ours, seed = Warehouse(engine, OURS_SCHEMA), Warehouse(engine, SEED_SCHEMA)
        for store in (ours, seed):
            upgrade(engine, store.schema)
        shop_ids = sorted(harness.sandbox.shop_ids)[:SHOPS]
        windows = _windows(harness, shop_ids)

        lines = []
        for path, run, store in (("ours", run_ours, ours), ("seed", run_seed, seed)):
            harness.sandbox.reset_call_counts()
            figures = run(harness, store, windows)
            calls = {k: v for k, v in harness.sandbox.call_counts().items() if k == "total" or "/api/" in k}
            calls["total"] = sum(v for k, v in calls.items() if k != "total")
            line = _path_line(path, figures, calls, _counts(store))
            lines.append(line)
            print(json.dumps(line), flush=True)

        mine, theirs = lines
        print(
            json.dumps(
                {
                    "benchmark": "baseline_ratios",
                    "shops": SHOPS,
                    "of_shops": ALL_SHOPS,
                    "orders_per_shop_per_day": ORDERS_PER_SHOP,
                    "latency_ms": 30,
                    "speedup": round(theirs["wall_s"] / mine["wall_s"], 1) if mine["wall_s"] else None,
                    "calls_ratio": round(theirs["api_calls"] / mine["api_calls"], 1)
                    if mine["api_calls"]
                    else None,
                    "target_speedup": TARGET_SPEEDUP,
                    "target_calls_ratio": TARGET_CALLS_RATIO,
                    "orders": {"ours": mine["orders"], "seed": theirs["orders"]},
                    "order_items": {
                        "ours": mine["rows"]["order_items"],
                        "seed": theirs["rows"]["order_items"],
                    },
                    "same_orders_and_items": mine["orders"] == theirs["orders"]
                    and mine["rows"]["order_items"] == theirs["rows"]["order_items"],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
