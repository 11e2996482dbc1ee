"""The write path: inserts, updates, never goes back in time, replaces children, handles 10,000 rows."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import func, select

from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.upsert import ChildrenSpec, UpsertSpec, replace_children, upsert

ORDERS = UpsertSpec(tables.orders, ("order_sn",))
ITEMS = ChildrenSpec(tables.order_items, tables.orders, "order_sn")
T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def order(sn: str, status: str = "READY_TO_SHIP", at: datetime = T0, amount: str = "150000") -> dict:
    return {
        "order_sn": sn,
        "shop_id": 123456,
        "order_status": status,
        "update_time": at,
        "create_time": T0 - timedelta(days=1),
        "total_amount": Decimal(amount),
        "currency": "IDR",
        "buyer_username": "b*****i",
        "raw": {"order_sn": sn, "order_status": status},
    }


def item(sn: str, index: int, at: datetime = T0, name: str = "Kaos Polos") -> dict:
    return {
        "order_sn": sn,
        "line_index": index,
        "shop_id": 123456,
        "update_time": at,
        "item_id": 1000 + index,
        "item_name": name,
        "model_id": 0,
        "model_quantity_purchased": 1,
        "model_original_price": Decimal("50000"),
        "raw": {"item_id": 1000 + index},
    }


def stored(warehouse, table, **where):
    with warehouse.connect() as conn:
        query = select(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return [dict(r._mapping) for r in conn.execute(query)]


def test_insert_update_unchanged_and_older(warehouse) -> None:
    with warehouse.begin() as conn:
        counts = upsert(conn, warehouse.schema, ORDERS, [order("A"), order("B")])
    assert (counts.inserted, counts.updated, counts.unchanged) == (2, 0, 0)

    with warehouse.begin() as conn:
        counts = upsert(conn, warehouse.schema, ORDERS, [order("A"), order("B")])
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 2)

    later = T0 + timedelta(hours=1)
    with warehouse.begin() as conn:
        counts = upsert(conn, warehouse.schema, ORDERS, [order("A", "SHIPPED", later)])
    assert (counts.inserted, counts.updated) == (0, 1)

    with warehouse.begin() as conn:
        counts = upsert(conn, warehouse.schema, ORDERS, [order("A", "READY_TO_SHIP", T0)])
    assert counts.skipped_older == 1 and counts.written == 0
    [row] = stored(warehouse, tables.orders, order_sn="A")
    assert row["order_status"] == "SHIPPED"
    assert row["update_time"] == later
    assert row["total_amount"] == Decimal("150000")


def test_rerun_keeps_synced_at(warehouse) -> None:
    with warehouse.begin() as conn:
        upsert(conn, warehouse.schema, ORDERS, [order("A")])
    [before] = stored(warehouse, tables.orders)
    with warehouse.begin() as conn:
        upsert(conn, warehouse.schema, ORDERS, [order("A")])
    [after] = stored(warehouse, tables.orders)
    assert before == after


def test_newest_version_within_one_batch_wins(warehouse) -> None:
    later = T0 + timedelta(minutes=5)
    frame = pd.DataFrame([order("A", "SHIPPED", later), order("A", "PROCESSED", T0)], dtype=object)
    with warehouse.begin() as conn:
        counts = upsert(conn, warehouse.schema, ORDERS, frame)
    assert counts.inserted == 1
    assert stored(warehouse, tables.orders)[0]["order_status"] == "SHIPPED"


def test_children_replaced_as_a_whole_only_when_newer_and_different(warehouse) -> None:
    with warehouse.begin() as conn:
        replace_children(conn, warehouse.schema, ITEMS, [item("A", 0), item("A", 1)], [("A", T0)])
        upsert(conn, warehouse.schema, ORDERS, [order("A")])
    assert len(stored(warehouse, tables.order_items, order_sn="A")) == 2

    with warehouse.begin() as conn:
        counts = replace_children(conn, warehouse.schema, ITEMS, [item("A", 0), item("A", 1)], [("A", T0)])
    assert (counts.inserted, counts.deleted, counts.unchanged) == (0, 0, 2)

    later = T0 + timedelta(hours=2)
    with warehouse.begin() as conn:
        counts = replace_children(conn, warehouse.schema, ITEMS, [item("A", 0, later)], [("A", later)])
        upsert(conn, warehouse.schema, ORDERS, [order("A", at=later)])
    assert (counts.inserted, counts.deleted) == (1, 2)
    assert [r["line_index"] for r in stored(warehouse, tables.order_items, order_sn="A")] == [0]

    # An older version of the order (an old partition re-run) never brings the removed line back.
    with warehouse.begin() as conn:
        counts = replace_children(conn, warehouse.schema, ITEMS, [item("A", 0), item("A", 1)], [("A", T0)])
    assert counts.skipped_older == 2 and counts.inserted == 0
    assert len(stored(warehouse, tables.order_items, order_sn="A")) == 1


def test_parent_listed_without_children_loses_them(warehouse) -> None:
    with warehouse.begin() as conn:
        replace_children(conn, warehouse.schema, ITEMS, [item("A", 0)], [("A", T0)])
    with warehouse.begin() as conn:
        counts = replace_children(conn, warehouse.schema, ITEMS, [], [("A", T0 + timedelta(seconds=1))])
    assert counts.deleted == 1
    assert stored(warehouse, tables.order_items) == []


def test_ten_thousand_rows_with_emoji_and_non_latin_text_in_one_call(warehouse) -> None:
    names = ["Baju Muslim 👗✨", "ชุดเดรส", "連衣裙 🧧", "Кофта", 'Sepatu "Anak" \\ tab\there']
    rows = [order(f"SN{i:06d}") | {"buyer_username": names[i % len(names)]} for i in range(10_000)]
    children = [item(f"SN{i:06d}", 0, name=names[i % len(names)]) for i in range(10_000)]
    with warehouse.begin() as conn:
        counts = upsert(conn, warehouse.schema, ORDERS, pd.DataFrame(rows, dtype=object))
        child_counts = replace_children(
            conn, warehouse.schema, ITEMS, children, [(r["order_sn"], r["update_time"]) for r in rows]
        )
    assert counts.inserted == 10_000
    assert child_counts.inserted == 10_000
    with warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.orders)).scalar_one() == 10_000
        got = conn.execute(
            select(tables.order_items.c.item_name).where(tables.order_items.c.order_sn == "SN000004")
        )
        assert got.scalar_one() == names[4]
