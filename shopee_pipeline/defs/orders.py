"""`orders`, `order_items`, `logistics`: one pass over Shopee per run, three tables."""

from collections.abc import Iterator
from datetime import timedelta

import dagster as dg

from shopee_pipeline.defs.checks import ORDER_CHECKS, order_check_results
from shopee_pipeline.defs.io_managers import upsert_metadata, write_counts_metadata
from shopee_pipeline.defs.metadata import KINDS, OWNERS, SYNC_GROUP, OrderStatistics, table_metadata
from shopee_pipeline.defs.policies import SYNC_ASSET_ARGS
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.defs.sync_runs import SyncConfig, plan_run, row_stream, settle, sync_step
from shopee_pipeline.sync.fetch import stream_orders
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.locks import shop_sync_locks
from shopee_pipeline.warehouse.lookups import known_tracking_numbers
from shopee_pipeline.warehouse.upsert import WriteCounts

STREAM = "orders"
CHILDREN = ("order_items", "logistics")


# How each of the three tables is shown in the UI (the multi-asset itself carries no kinds or owners).
OUT_ARGS = {"kinds": KINDS, "owners": OWNERS, "group_name": SYNC_GROUP}


@dg.multi_asset(
    name="shopee_orders",
    outs={
        "order_items": dg.AssetOut(
            key="order_items",
            description=(
                "One row per order line: item, model (variation), quantity, original and discounted "
                "price. Lines of a bundle deal share `order_item_id` and carry a discounted price of 0 "
                "(see `escrow_items` for their real prices). Replaced whole when the order changes."
            ),
            metadata=table_metadata(tables.order_items),
            **OUT_ARGS,
        ),
        "logistics": dg.AssetOut(
            key="logistics",
            description=(
                "One row per package of an order (split orders have several): logistics status, carrier "
                "and tracking number."
            ),
            metadata=table_metadata(tables.logistics),
            **OUT_ARGS,
        ),
        "orders": dg.AssetOut(
            key="orders",
            description=(
                "One row per Shopee order: status, buyer, amounts (IDR for Indonesian shops), payment, "
                "carrier and dates. A day's partition holds the orders whose last change (`update_time`) "
                "fell on that day in SHOPEE_TIMEZONE; an order always shows its newest known state."
            ),
            metadata={
                **table_metadata(tables.orders),
                **upsert_metadata("order_sn", children=",".join(CHILDREN)),
            },
            **OUT_ARGS,
            freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(minutes=30)),
        ),
    },
    partitions_def=SYNC_ASSET_ARGS["partitions_def"],
    backfill_policy=SYNC_ASSET_ARGS["backfill_policy"],
    retry_policy=SYNC_ASSET_ARGS["retry_policy"],
    check_specs=ORDER_CHECKS,
)
@sync_step
def shopee_orders(
    context: dg.AssetExecutionContext,
    config: SyncConfig,
    shopee: ShopeeResource,
    warehouse: WarehouseResource,
) -> Iterator[dg.Output | dg.MaterializeResult | dg.AssetCheckResult]:
    """List the partition's changed orders page by page, fetch details 50 at a time, and write them in
    chunks as they arrive, items and packages before their orders in each chunk's transaction, so a
    reader never sees an order without its lines."""
    store = warehouse.get()
    plan = plan_run(context, store, STREAM, config)
    shop_ids = sorted(plan.days_by_shop)

    def known(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        with store.connect() as conn:
            return known_tracking_numbers(conn, pairs)

    with shop_sync_locks(store.engine, STREAM, shop_ids), shopee.client(store) as client:
        fetched = stream_orders(
            client,
            plan.windows_by_shop,
            known,
            order_sns_by_shop=plan.targeted or None,
            concurrency=shopee.shop_concurrency,
        )
        stream = row_stream(fetched, "orders", client, OrderStatistics())
        # The IO manager writes the orders output chunk by chunk, items and packages in each chunk's
        # transaction; the two child tables are then reported as their own materializations.
        yield dg.Output(stream, output_name="orders")
    for child in CHILDREN:
        counts = stream.written.get(child, WriteCounts())
        yield dg.MaterializeResult(asset_key=child, metadata=write_counts_metadata(counts, counts.received))
    yield from order_check_results(store, shop_ids)
    settle(context, store, STREAM, plan, fetched.failures, fetched.skipped)
