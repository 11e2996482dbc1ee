"""The assets end to end against the sandbox: rows equal Shopee's own data, calls stay batched,
re-runs change nothing, older runs never make data older, removed lines disappear."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from math import ceil

import dagster as dg
import pytest
from sqlalchemy import func, select

from shopee_pipeline.definitions import defs
from shopee_pipeline.sync.windows import day_bounds
from shopee_pipeline.warehouse import tables
from shopee_pipeline_tests.pinned_clock import SANDBOX_START, sandbox_day

pytestmark = pytest.mark.clock  # day and range syncs: the pipeline plans its windows by its clock


def materialize(pipeline, partition: str, config: dict | None = None) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def("sync_shopee")
    return job.execute_in_process(
        partition_key=partition, instance=pipeline.instance, run_config=config or {}, raise_on_error=False
    )


def today(pipeline):
    return sandbox_day(pipeline.sandbox, pipeline.settings.timezone)


def rows(pipeline, table, **where) -> list[dict]:
    with pipeline.warehouse.connect() as conn:
        query = select(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return [dict(r._mapping) for r in conn.execute(query)]


def count(pipeline, table) -> int:
    with pipeline.warehouse.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def ts(value):
    return datetime.fromtimestamp(value, UTC) if value else None


def test_partition_fills_every_table_with_shopee_data(pipeline) -> None:
    shop = pipeline.sandbox.shop_ids[0]
    day = today(pipeline)
    result = materialize(pipeline, f"{day}|{shop}")
    assert result.success, result.all_events

    start, end = day_bounds(day, pipeline.settings.timezone)
    expected = pipeline.sandbox.world.orders_updated_between(
        shop, int(start.timestamp()), int(end.timestamp()) - 1
    )
    stored = {r["order_sn"]: r for r in rows(pipeline, tables.orders, shop_id=shop)}
    assert set(stored) == set(expected) and expected

    for order_sn in expected:
        truth = pipeline.sandbox.world.order_detail(shop, order_sn)
        row = stored[order_sn]
        assert row["order_status"] == truth["order_status"]
        assert row["update_time"] == ts(truth["update_time"])
        assert row["create_time"] == ts(truth["create_time"])
        assert row["pay_time"] == ts(truth.get("pay_time"))
        assert row["total_amount"] == Decimal(str(truth["total_amount"]))
        assert row["currency"] == truth["currency"] and row["cod"] == truth["cod"]
        assert row["payment_method"] == truth["payment_method"]
        assert row["buyer_username"] == truth["buyer_username"]
        assert row["shipping_carrier"] == truth["shipping_carrier"]
        assert row["booking_sn"] == (truth.get("booking_sn") or None) or row["booking_sn"] == truth.get(
            "booking_sn"
        )
        items = sorted(rows(pipeline, tables.order_items, order_sn=order_sn), key=lambda r: r["line_index"])
        assert [
            (i["item_id"], i["model_id"], i["model_quantity_purchased"], i["order_item_id"]) for i in items
        ] == [
            (t["item_id"], t["model_id"], t["model_quantity_purchased"], t["order_item_id"])
            for t in truth["item_list"]
        ]
        assert [i["model_discounted_price"] for i in items] == [
            Decimal(str(t["model_discounted_price"])) for t in truth["item_list"]
        ]
        packages = {p["package_number"]: p for p in rows(pipeline, tables.logistics, order_sn=order_sn)}
        assert set(packages) == {p["package_number"] for p in truth.get("package_list", [])}
        for number, package in packages.items():
            tracking = pipeline.sandbox.world.tracking_number(shop, order_sn, number)
            if truth["order_status"] in {"SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED"}:
                assert package["tracking_number"] == (tracking or None)
        escrow_truth = pipeline.sandbox.world.escrow_detail(shop, order_sn)
        escrow_rows = rows(pipeline, tables.escrow, order_sn=order_sn)
        if truth["order_status"] != "UNPAID" and escrow_truth is not None:
            [escrow_row] = escrow_rows
            assert escrow_row["escrow_amount"] == Decimal(str(escrow_truth["order_income"]["escrow_amount"]))
            assert escrow_row["commission_fee"] == Decimal(
                str(escrow_truth["order_income"]["commission_fee"])
            )

    expected_bookings = pipeline.sandbox.world.bookings_updated_between(
        shop, int(start.timestamp()), int(end.timestamp()) - 1
    )
    assert {r["booking_sn"] for r in rows(pipeline, tables.bookings, shop_id=shop)} == set(expected_bookings)


def test_calls_are_batched(pipeline) -> None:
    shop = pipeline.sandbox.shop_ids[1]
    day = today(pipeline)
    start, end = day_bounds(day, pipeline.settings.timezone)
    n = len(
        pipeline.sandbox.world.orders_updated_between(shop, int(start.timestamp()), int(end.timestamp()) - 1)
    )
    pipeline.sandbox.reset_call_counts()
    assert materialize(pipeline, f"{day}|{shop}").success
    calls = pipeline.sandbox.call_counts()
    assert calls.get("/api/v2/order/get_order_list", 0) <= max(1, ceil(n / 100))
    assert calls.get("/api/v2/order/get_order_detail", 0) <= ceil(n / 50)
    assert calls.get("/api/v2/payment/get_escrow_detail_batch", 0) <= ceil(n / 50)
    assert calls.get("/api/v2/payment/get_escrow_detail", 0) == 0


def test_rerun_changes_nothing_and_older_run_never_makes_data_older(pipeline) -> None:
    shop = pipeline.sandbox.shop_ids[0]
    day = today(pipeline)
    assert materialize(
        pipeline, f"{day}|{shop}", {"ops": {"shopee_orders": {"config": {"full_resync": True}}}}
    ).success
    snapshot = {
        t.name: sorted(map(str, rows(pipeline, t)))
        for t in (tables.orders, tables.order_items, tables.logistics, tables.escrow, tables.bookings)
    }
    assert materialize(
        pipeline, f"{day}|{shop}", {"ops": {"shopee_orders": {"config": {"full_resync": True}}}}
    ).success
    again = {
        t.name: sorted(map(str, rows(pipeline, t)))
        for t in (tables.orders, tables.order_items, tables.logistics, tables.escrow, tables.bookings)
    }
    assert again == snapshot

    # yesterday's partition after today's: orders that changed since keep today's version
    assert materialize(pipeline, f"{day - timedelta(days=1)}|{shop}").success
    for order in rows(pipeline, tables.orders, shop_id=shop):
        truth = pipeline.sandbox.world.order_detail(shop, order["order_sn"])
        assert order["update_time"] == ts(truth["update_time"])


def test_item_line_removed_upstream_disappears(pipeline) -> None:
    shop = pipeline.sandbox.shop_ids[2]
    day = today(pipeline)
    assert materialize(pipeline, f"{day}|{shop}").success
    multi = next(
        sn
        for (sn,) in [(r["order_sn"],) for r in rows(pipeline, tables.orders, shop_id=shop)]
        if len(rows(pipeline, tables.order_items, order_sn=sn)) > 1
    )
    before = len(rows(pipeline, tables.order_items, order_sn=multi))
    pipeline.sandbox.world.remove_item_line(shop, multi)
    assert materialize(pipeline, f"{day}|{shop}").success
    assert len(rows(pipeline, tables.order_items, order_sn=multi)) == before - 1


def test_backfill_of_90_days_for_10_shops_costs_what_the_data_needs(monkeypatch, pg_url, warehouse) -> None:
    """The planning and fetch layer under a 90-day x 10-shop backfill: consecutive days share list
    calls (15-day windows), details go 50 at a time across pages."""
    from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
    from shopee_pipeline.settings import load_settings
    from shopee_pipeline.shopee import ShopeeClient, ShopeeConfig
    from shopee_pipeline.sync.fetch import stream_orders
    from shopee_pipeline.sync.windows import shop_windows
    from shopee_pipeline.warehouse.shops import upsert_shop
    from shopee_pipeline.warehouse.token_store import PostgresTokenStore

    tz = load_settings({}).timezone
    with start_sandbox(
        SandboxConfig(shops=10, seed=5, orders_per_shop_per_day=3, history_days=90, start_time=SANDBOX_START)
    ) as sandbox:
        config = ShopeeConfig(
            partner_id=sandbox.partner_id, partner_key=sandbox.partner_key, base_url=sandbox.url
        )
        with ShopeeClient(config, PostgresTokenStore(warehouse.engine, warehouse.schema)) as client:
            for shop in sandbox.shop_ids:
                client.connect_shop(shop, sandbox.authorize(shop))
                with warehouse.begin() as conn:
                    upsert_shop(conn, shop)
            now = datetime.fromtimestamp(sandbox.now(), UTC)
            days = [now.astimezone(tz).date() - timedelta(days=d) for d in range(90)]
            windows = {
                shop: shop_windows(days, tz, now, None, timedelta(minutes=10)) for shop in sandbox.shop_ids
            }
            sandbox.reset_call_counts()
            result = stream_orders(client, windows, lambda pairs: {}).collect()
        calls = sandbox.call_counts()
        start = int(day_bounds(min(days), tz)[0].timestamp())
        changed = {
            shop: sandbox.world.orders_updated_between(shop, start, int(now.timestamp()))
            for shop in sandbox.shop_ids
        }

    assert not result.failures
    assert len(result.rows.orders) == sum(map(len, changed.values()))
    windows_per_shop = ceil(90 / 15) + 1
    assert calls["/api/v2/order/get_order_list"] <= sum(
        windows_per_shop + ceil(len(c) / 100) for c in changed.values()
    )
    assert calls["/api/v2/order/get_order_detail"] == sum(ceil(len(c) / 50) for c in changed.values())
    # a day-by-day sync would have spent 900 list calls
    assert calls["/api/v2/order/get_order_list"] < 900 / 5


def test_backfill_over_days_and_shops_in_one_run(pipeline) -> None:
    shops = pipeline.instance.get_dynamic_partitions("shops")
    last = today(pipeline)
    first = last - timedelta(days=2)
    pipeline.sandbox.reset_call_counts()
    result = defs.resolve_job_def("sync_shopee").execute_in_process(
        instance=pipeline.instance,
        tags={
            "dagster/asset_partition_range_start": f"{first}|{shops[0]}",
            "dagster/asset_partition_range_end": f"{last}|{shops[-1]}",
        },
    )
    assert result.success
    # one merged window per shop: as many list pages as its orders need, not one per day
    start = int(day_bounds(first, pipeline.settings.timezone)[0].timestamp())
    changed = [
        pipeline.sandbox.world.orders_updated_between(int(s), start, pipeline.sandbox.now()) for s in shops
    ]
    assert pipeline.sandbox.call_counts()["/api/v2/order/get_order_list"] == sum(
        ceil(len(c) / 100) for c in changed
    )
    materialized = pipeline.instance.get_materialized_partitions(dg.AssetKey("orders"))
    assert len(materialized) == 3 * len(shops)


def test_a_shop_that_lost_its_authorization_fails_with_what_the_seller_must_do(pipeline) -> None:
    from shopee_pipeline.shopee import ShopTokens
    from shopee_pipeline.warehouse.token_store import PostgresTokenStore

    shop, other = pipeline.sandbox.shop_ids[0], pipeline.sandbox.shop_ids[1]
    store = PostgresTokenStore(pipeline.warehouse.engine, pipeline.warehouse.schema)
    expired = datetime.now(UTC) - timedelta(hours=1)
    store.save(shop, ShopTokens("gone-access", "revoked-refresh", expired, expired + timedelta(days=30)))
    shops = pipeline.instance.get_dynamic_partitions("shops")
    day = today(pipeline)
    result = defs.resolve_job_def("sync_shopee").execute_in_process(
        instance=pipeline.instance,
        tags={
            "dagster/asset_partition_range_start": f"{day}|{shops[0]}",
            "dagster/asset_partition_range_end": f"{day}|{shops[-1]}",
        },
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure and e.step_key == "shopee_orders"]
    message = failure.step_failure_data.error.message
    assert f"shop {shop}" in message and "Re-authorize" in message
    assert "revoked-refresh" not in message
    # the other shops' rows were committed all the same
    assert rows(pipeline, tables.orders, shop_id=other)
    assert not rows(pipeline, tables.orders, shop_id=shop)


def test_small_chunks_written_side_by_side_lose_nothing(pipeline, monkeypatch) -> None:
    from shopee_pipeline.lib import sync_runs

    monkeypatch.setattr(sync_runs, "ROWS_PER_WRITE", 3)
    shop = pipeline.sandbox.shop_ids[1]
    day = today(pipeline)
    result = materialize(
        pipeline, f"{day}|{shop}", {"ops": {"shopee_orders": {"config": {"full_resync": True}}}}
    )
    assert result.success

    start, end = day_bounds(day, pipeline.settings.timezone)
    expected = pipeline.sandbox.world.orders_updated_between(
        shop, int(start.timestamp()), int(end.timestamp()) - 1
    )
    assert len(expected) > 2 * 3  # several chunks, written by more than one writer
    stored_items: dict[str, int] = {}
    for item in rows(pipeline, tables.order_items, shop_id=shop):
        stored_items[item["order_sn"]] = stored_items.get(item["order_sn"], 0) + 1
    truth_items = {sn: len(pipeline.sandbox.world.order_detail(shop, sn)["item_list"]) for sn in expected}
    assert {r["order_sn"] for r in rows(pipeline, tables.orders, shop_id=shop)} == set(expected)
    assert {sn: stored_items.get(sn, 0) for sn in expected} == truth_items
    [orders_event] = [
        m
        for m in result.asset_materializations_for_node("shopee_orders")
        if m.asset_key == dg.AssetKey("orders")
    ]
    assert orders_event.metadata["dagster/row_count"].value == len(expected)


def test_stored_tracking_numbers_are_not_asked_again(pipeline) -> None:
    from shopee_pipeline.sync.fetch import TRACKED_STATUSES

    shop = pipeline.sandbox.shop_ids[0]
    partition = f"{today(pipeline)}|{shop}"
    resync = {"ops": {"shopee_orders": {"config": {"full_resync": True}}}}
    assert materialize(pipeline, partition, resync).success
    status = {r["order_sn"]: r["order_status"] for r in rows(pipeline, tables.orders, shop_id=shop)}
    packages = rows(pipeline, tables.logistics, shop_id=shop)
    known = [p for p in packages if p["tracking_number"]]
    missing = [p for p in packages if not p["tracking_number"] and status[p["order_sn"]] in TRACKED_STATUSES]
    assert known

    pipeline.sandbox.reset_call_counts()
    assert materialize(pipeline, partition, resync).success
    asked = pipeline.sandbox.call_counts().get("/api/v2/logistics/get_mass_tracking_number", 0)
    assert asked == ceil(len(missing) / 50)
    again = {
        p["package_number"]: p["tracking_number"] for p in rows(pipeline, tables.logistics, shop_id=shop)
    }
    assert all(again[p["package_number"]] == p["tracking_number"] for p in known)


def test_escrow_calls_go_out_while_the_orders_are_still_being_fetched(monkeypatch, pg_url, warehouse) -> None:
    from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
    from shopee_pipeline.shopee import ShopeeClient
    from shopee_pipeline.sync.fetch import ORDER_DETAIL
    from shopee_pipeline_tests.conftest import connected_pipeline

    calls: list[str] = []
    for name in ("get_details", "get_escrow_details"):
        original = getattr(ShopeeClient, name)

        def recorded(self, *args, _original=original, _name=name, **kwargs):
            if _name == "get_escrow_details" or args[0] is ORDER_DETAIL:
                calls.append("get_order_details" if _name == "get_details" else _name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(ShopeeClient, name, recorded)
    config = SandboxConfig(
        shops=1, seed=5, orders_per_shop_per_day=600, history_days=1, latency_ms=20, start_time=SANDBOX_START
    )
    with (
        start_sandbox(config) as sandbox,
        connected_pipeline(monkeypatch, pg_url, warehouse, sandbox) as pipeline,
    ):
        shop = sandbox.shop_ids[0]
        result = materialize(pipeline, f"{today(pipeline)}|{shop}")
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        last_detail = max(i for i, name in enumerate(calls) if name == "get_order_details")
        escrow_calls = [i for i, name in enumerate(calls) if name == "get_escrow_details"]
        assert calls.count("get_order_details") >= 6 and escrow_calls
        assert escrow_calls[0] < last_detail, "escrow waited for the last order batch"
        # Still one escrow row per paid order, each fetched once.
        with pipeline.warehouse.connect() as conn:
            paid = conn.execute(
                select(func.count())
                .select_from(tables.orders)
                .where(tables.orders.c.shop_id == shop, tables.orders.c.order_status != "UNPAID")
            ).scalar_one()
            stored = conn.execute(
                select(func.count()).select_from(tables.escrow).where(tables.escrow.c.shop_id == shop)
            ).scalar_one()
        assert stored == paid and len(escrow_calls) == ceil(paid / 50)


def test_orders_without_their_items_and_packages_is_refused_in_one_line(pipeline) -> None:
    """One read of the orders writes orders, order_items and logistics: selecting part of them would
    write tables it does not materialize, so the step fails at once, retrying nothing, writing nothing."""
    job = defs.resolve_job_def("sync_shopee")
    result = job.execute_in_process(
        partition_key=f"{today(pipeline)}|{pipeline.sandbox.shop_ids[0]}",
        instance=pipeline.instance,
        asset_selection=[dg.AssetKey("orders"), dg.AssetKey("escrow")],
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [event for event in result.all_events if event.is_step_failure]
    line = failure.step_failure_data.user_failure_data.description
    assert line == "select orders, order_items, logistics together: one read of the orders writes all three"
    assert count(pipeline, tables.orders) == 0 and count(pipeline, tables.escrow) == 0
