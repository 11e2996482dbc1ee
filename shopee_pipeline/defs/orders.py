"""`orders`, `order_items`, `logistics`: one pass over Shopee per run, three tables."""

from collections.abc import Iterator

import dagster as dg

from shopee_pipeline.defs.checks import ORDER_CHECKS, order_check_results
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.defs.shops import SHOPS_ASSET
from shopee_pipeline.lib.metadata import KINDS, OWNERS, SYNC_GROUP, table_metadata
from shopee_pipeline.lib.policies import SYNC_ASSET_ARGS
from shopee_pipeline.lib.sync_runs import (
    SyncConfig,
    lock_holder,
    marks_after,
    plan_run,
    settle,
    sync_step,
    write_stream,
)
from shopee_pipeline.sync.streams import ORDERS
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.locks import shop_sync_locks
from shopee_pipeline.warehouse.lookups import known_tracking_numbers

# How each of the three tables is shown in the UI (the multi-asset itself carries no kinds or owners).
SPEC_ARGS = {
    "kinds": KINDS,
    "owners": OWNERS,
    "group_name": SYNC_GROUP,
    "freshness_policy": SYNC_ASSET_ARGS["freshness_policy"],
}


def build_orders_asset(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The `shopee_orders` multi-asset (`orders`, `order_items`, `logistics`) on `partitions`."""

    @dg.multi_asset(
        name=ORDERS.op_name,
        specs=[
            dg.AssetSpec(
                key="order_items",
                description=(
                    "One row per order line: item, model (variation), quantity, original and discounted "
                    "price. Lines of a bundle deal share `order_item_id` and carry a discounted price of 0 "
                    "(see `escrow_items` for their real prices). Replaced whole when the order changes."
                ),
                metadata=table_metadata(tables.order_items),
                **SPEC_ARGS,
            ),
            dg.AssetSpec(
                key="logistics",
                description=(
                    "One row per package of an order (split orders have several): logistics status, carrier "
                    "and tracking number."
                ),
                metadata=table_metadata(tables.logistics),
                **SPEC_ARGS,
            ),
            dg.AssetSpec(
                key="orders",
                description=(
                    "One row per Shopee order: status, buyer, amounts (IDR for Indonesian shops), payment, "
                    "carrier and dates. A day's partition holds the orders whose last change (`update_time`) "
                    "fell on that day in SHOPEE_TIMEZONE; an order always shows its newest known state."
                ),
                metadata=table_metadata(tables.orders),
                deps=[SHOPS_ASSET],
                **SPEC_ARGS,
            ),
        ],
        partitions_def=partitions,
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
    ) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization | dg.AssetCheckResult]:
        """List the partition's changed orders page by page, fetch details 50 at a time, and write them in
        chunks as they arrive, items and packages before their orders in each chunk's transaction, so a
        reader never sees an order without its lines."""
        store = warehouse.get()
        plan = plan_run(context, store, ORDERS, config)
        shop_ids = sorted(plan.days_by_shop)

        def known(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
            with store.connect() as conn:
                return known_tracking_numbers(conn, pairs)

        locks = shop_sync_locks(store.engine, ORDERS.name, shop_ids, lock_holder(context), context.log.info)
        with locks, shopee.client(store) as client:
            fetched = ORDERS.fetch(
                client,
                plan.windows_by_shop,
                known,
                order_sns_by_shop=plan.targeted or None,
                concurrency=shopee.shop_concurrency,
            )
            results = write_stream(context, store, ORDERS, fetched, client)
        yield from results
        yield from order_check_results(store, shop_ids)
        settle(
            context,
            store,
            ORDERS.name,
            fetched.failures,
            fetched.skipped,
            marks_after(plan.windows_by_shop, fetched.failures),
        )

    return shopee_orders
