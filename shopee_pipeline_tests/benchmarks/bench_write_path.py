"""Benchmark of the write path: 100,000 orders and 250,000 order items through `upsert` / `replace_children`
against a plain psycopg COPY of the same rows into empty, index-free tables of the same shape
(`LIKE ... INCLUDING DEFAULTS`, so `synced_at` is filled as in ours).

Run: `python -m shopee_pipeline_tests.benchmarks.bench_write_path`. Starts a throwaway embedded Postgres,
migrates a schema, and prints JSON lines: plain COPY rows/s, our first load (empty tables) and an identical
re-sync (every row unchanged), each with rows/s and the ratio to COPY. Never asserts on speed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
from psycopg.types.json import Jsonb
from sqlalchemy import text

from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline.warehouse.embedded import embedded_database_url, release_embedded_server
from shopee_pipeline.warehouse.migrate import upgrade
from shopee_pipeline.warehouse.upsert import ChildrenSpec, UpsertSpec, replace_children, upsert

ORDERS = int(os.environ.get("BENCH_WRITE_ORDERS", "100000"))
ITEMS = int(os.environ.get("BENCH_WRITE_ITEMS", "250000"))
SCHEMA = "bench_write"
COPY_SCHEMA = "bench_copy"
ORDER_SPEC = UpsertSpec(tables.orders, ("order_sn",))
ITEM_SPEC = ChildrenSpec(tables.order_items, tables.orders, "order_sn")
T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
STATUSES = ("UNPAID", "READY_TO_SHIP", "PROCESSED", "SHIPPED", "COMPLETED", "CANCELLED")


def _orders(rng: random.Random) -> pd.DataFrame:
    rows = []
    for n in range(ORDERS):
        sn = f"2611{n:010d}"
        status = rng.choice(STATUSES)
        created = T0 - timedelta(seconds=rng.randint(0, 86_400))
        amount = Decimal(rng.randint(10, 5000) * 1000)
        rows.append(
            {
                "order_sn": sn,
                "shop_id": 100_000 + n % 20,
                "region": "ID",
                "currency": "IDR",
                "order_status": status,
                "create_time": created,
                "update_time": created + timedelta(minutes=rng.randint(0, 600)),
                "pay_time": created + timedelta(minutes=5),
                "ship_by_date": created + timedelta(days=2),
                "days_to_ship": 2,
                "total_amount": amount,
                "cod": n % 7 == 0,
                "payment_method": "ShopeePay",
                "buyer_user_id": 5_000_000 + n,
                "buyer_username": f"b****{n % 97}",
                "shipping_carrier": "SPX Express",
                "checkout_shipping_carrier": "SPX Express",
                "estimated_shipping_fee": Decimal("12000"),
                "actual_shipping_fee": None,
                "actual_shipping_fee_confirmed": False,
                "fulfillment_flag": "fulfilled_by_local_seller",
                "split_up": False,
                "goods_to_declare": False,
                "order_chargeable_weight_gram": rng.randint(100, 5000),
                "booking_sn": None,
                "advance_package": False,
                "message_to_seller": "",
                "note": "",
                "note_update_time": None,
                "cancel_by": None,
                "cancel_reason": None,
                "buyer_cancel_reason": None,
                "pickup_done_time": None,
                "return_request_due_date": None,
                "dropshipper": None,
                "dropshipper_phone": None,
                "recipient_address": {"name": "B***i", "city": "KOTA JAKARTA SELATAN", "zipcode": "12345"},
                "invoice_data": None,
                "raw": {
                    "order_sn": sn,
                    "order_status": status,
                    "total_amount": float(amount),
                    "create_time": int(created.timestamp()),
                    "region": "ID",
                    "currency": "IDR",
                },
            }
        )
    return pd.DataFrame(rows, dtype=object)


def _items(rng: random.Random, orders: pd.DataFrame) -> pd.DataFrame:
    rows = []
    sns, shops, updates = list(orders["order_sn"]), list(orders["shop_id"]), list(orders["update_time"])
    for n in range(ITEMS):
        o = n % ORDERS
        line = n // ORDERS
        item_id = 800_000 + rng.randint(0, 5000)
        rows.append(
            {
                "order_sn": sns[o],
                "line_index": line,
                "shop_id": shops[o],
                "update_time": updates[o],
                "item_id": item_id,
                "item_name": f"Kaos Polos {item_id}",
                "item_sku": f"SKU-{item_id}",
                "model_id": item_id * 10 + 1,
                "model_name": "Hitam,L",
                "model_sku": f"SKU-{item_id}-BL",
                "model_quantity_purchased": rng.randint(1, 3),
                "model_original_price": Decimal("59000"),
                "model_discounted_price": Decimal("49000"),
                "wholesale": False,
                "weight": Decimal("0.25"),
                "add_on_deal": False,
                "main_item": False,
                "add_on_deal_id": Decimal(0),
                "promotion_type": "product_promotion",
                "promotion_id": Decimal(1000 + line),
                "order_item_id": item_id,
                "line_item_id": None,
                "promotion_group_id": Decimal(0),
                "product_location_id": "IDZ",
                "image_url": f"https://cf.shopee.co.id/file/{item_id:x}",
                "raw": {"item_id": item_id, "model_id": item_id * 10 + 1, "model_quantity_purchased": 1},
            }
        )
    return pd.DataFrame(rows, dtype=object)


def _emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def _plain_copy(engine, table, frame: pd.DataFrame) -> float:
    columns = list(frame.columns)
    column_list = ", ".join(f'"{c}"' for c in columns)
    started = time.perf_counter()
    sql = f'COPY "{COPY_SCHEMA}"."{table.name}" ({column_list}) FROM STDIN'
    with engine.begin() as conn, conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as copy:
        for record in frame.itertuples(index=False, name=None):
            copy.write_row([Jsonb(v) if isinstance(v, dict | list) else v for v in record])
    return time.perf_counter() - started


def _ours(engine, orders: pd.DataFrame, items: pd.DataFrame) -> tuple[float, float, dict, dict]:
    parents = list(zip(orders["order_sn"], orders["update_time"], strict=True))
    started = time.perf_counter()
    with engine.begin() as conn:
        order_counts = upsert(conn, SCHEMA, ORDER_SPEC, orders)
    middle = time.perf_counter()
    with engine.begin() as conn:
        item_counts = replace_children(conn, SCHEMA, ITEM_SPEC, items, parents)
    ended = time.perf_counter()
    return middle - started, ended - middle, order_counts.as_dict(), item_counts.as_dict()


def main() -> None:
    rng = random.Random(20261125)
    built = time.perf_counter()
    orders = _orders(rng)
    items = _items(rng, orders)
    build_s = time.perf_counter() - built
    data_dir = Path(tempfile.mkdtemp(prefix="spb-", dir="/tmp"))
    try:
        engine = create_warehouse_engine(embedded_database_url(data_dir))
        upgrade(engine, SCHEMA)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{COPY_SCHEMA}"'))
            for name in ("orders", "order_items"):
                conn.execute(
                    text(
                        f'CREATE TABLE "{COPY_SCHEMA}"."{name}" (LIKE "{SCHEMA}"."{name}" INCLUDING DEFAULTS)'
                    )
                )
        copy_orders_s = _plain_copy(engine, tables.orders, orders)
        copy_items_s = _plain_copy(engine, tables.order_items, items)
        total = ORDERS + ITEMS
        copy_s = copy_orders_s + copy_items_s
        copy_rps = total / copy_s
        _emit(
            benchmark="write_path.plain_copy",
            orders=ORDERS,
            order_items=ITEMS,
            seconds=round(copy_s, 3),
            orders_rows_per_s=round(ORDERS / copy_orders_s),
            items_rows_per_s=round(ITEMS / copy_items_s),
            rows_per_s=round(copy_rps),
            frame_build_s=round(build_s, 2),
        )
        for label in ("first_load", "resync_unchanged"):
            orders_s, items_s, order_counts, item_counts = _ours(engine, orders, items)
            rps = total / (orders_s + items_s)
            _emit(
                benchmark=f"write_path.{label}",
                orders=ORDERS,
                order_items=ITEMS,
                seconds=round(orders_s + items_s, 3),
                orders_s=round(orders_s, 3),
                items_s=round(items_s, 3),
                orders_rows_per_s=round(ORDERS / orders_s),
                items_rows_per_s=round(ITEMS / items_s),
                rows_per_s=round(rps),
                ratio_to_copy=round(rps / copy_rps, 3),
                target_ratio=0.4,
                order_counts=order_counts,
                item_counts=item_counts,
            )
        engine.dispose()
    finally:
        release_embedded_server(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
