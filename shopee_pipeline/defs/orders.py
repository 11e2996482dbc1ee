"""`shopee_orders`: orders, their items and packages, and their escrow: one pass over Shopee per run, five
tables (escrow calls go out as order batches arrive, `lib/order_sync.py`)."""

from collections.abc import Iterator

import dagster as dg

from shopee_pipeline.defs.checks import ESCROW_CHECKS, ORDER_CHECKS, escrow_check_results, order_check_results
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.defs.shops import SHOPS_ASSET
from shopee_pipeline.lib.metadata import table_metadata
from shopee_pipeline.lib.order_sync import OrdersSyncConfig, sync_orders_and_escrow
from shopee_pipeline.lib.policies import SYNC_ASSET_ARGS, SYNC_SPEC_ARGS
from shopee_pipeline.lib.sync_runs import settle, sync_step
from shopee_pipeline.sync.streams import ESCROW, ORDERS
from shopee_pipeline.warehouse import tables


def _check_key(result: dg.AssetCheckResult) -> dg.AssetCheckKey | None:
    """The key of a check result that names its asset and check (ours always do)."""
    if result.asset_key is None or result.check_name is None:
        return None
    return dg.AssetCheckKey(result.asset_key, result.check_name)


def build_orders_asset(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The `shopee_orders` multi-asset (`orders`, `order_items`, `logistics`, `escrow`) on `partitions`;
    any subset of it can be materialized."""

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
                **SYNC_SPEC_ARGS,
            ),
            dg.AssetSpec(
                key="logistics",
                description=(
                    "One row per package of an order (split orders have several): logistics status, carrier "
                    "and tracking number."
                ),
                metadata=table_metadata(tables.logistics),
                **SYNC_SPEC_ARGS,
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
                **SYNC_SPEC_ARGS,
            ),
            dg.AssetSpec(
                key=ESCROW.table,
                description=(
                    "One row per paid order: escrow_amount (what the seller is expected to receive; it "
                    "changes until the order completes and can be exactly 0), buyer_total_amount and every "
                    "fee Shopee deducts (commission, service, transaction, shipping). Per-item lines are "
                    "kept in `escrow_items`. Fetched, as the orders arrive, for the partition's orders whose "
                    "escrow is missing or older than the order's last change or its newest return's "
                    "(`order_update_time` is that version)."
                ),
                # Escrow also follows returns (a changed return's order has its escrow read again: in the
                # same run when the returns step ran first, else in the next), but waits only for orders:
                # one shop's failed returns must not hold up every shop's orders.
                deps=[ORDERS.table],
                metadata=table_metadata(tables.escrow),
                **SYNC_SPEC_ARGS,
            ),
        ],
        can_subset=True,
        partitions_def=partitions,
        backfill_policy=SYNC_ASSET_ARGS["backfill_policy"],
        retry_policy=SYNC_ASSET_ARGS["retry_policy"],
        check_specs=[*ORDER_CHECKS, *ESCROW_CHECKS],
    )
    @sync_step
    def shopee_orders(
        context: dg.AssetExecutionContext,
        config: OrdersSyncConfig,
        shopee: ShopeeResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization | dg.AssetCheckResult]:
        """List the partition's changed orders page by page, fetch details 50 at a time and the escrow of
        those that need it as they arrive, and write both in chunks, items and packages before their
        orders in each chunk's transaction, so a reader never sees an order without its lines."""
        store = warehouse.get()
        result = sync_orders_and_escrow(context, config, store, shopee.client, shopee.shop_concurrency)
        yield from result.events
        selected = context.selected_asset_check_keys
        for specs, results in ((ORDER_CHECKS, order_check_results), (ESCROW_CHECKS, escrow_check_results)):
            if any(spec.key in selected for spec in specs):
                checks = results(store, result.shop_ids)
                yield from (c for c in checks if _check_key(c) in selected)
        settle(context, store, result.outcomes)

    return shopee_orders
