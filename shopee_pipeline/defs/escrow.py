"""`escrow`: what the seller receives per order, fetched only for orders that need it."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from shopee_pipeline.defs.checks import ESCROW_CHECKS, escrow_check_results
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.lib.metadata import table_metadata
from shopee_pipeline.lib.partitions import parse_partition_keys
from shopee_pipeline.lib.policies import SYNC_ASSET_ARGS
from shopee_pipeline.lib.sync_runs import SyncConfig, lock_holder, settle, sync_step, write_stream
from shopee_pipeline.settings import get_settings
from shopee_pipeline.sync.fetch import escrow_candidates, with_return_versions
from shopee_pipeline.sync.streams import BY_NAME, ESCROW
from shopee_pipeline.sync.windows import day_bounds
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.locks import shop_sync_locks
from shopee_pipeline.warehouse.lookups import escrow_versions, rows_in_windows, rows_with_keys
from shopee_pipeline.warehouse.readiness import ensure_syncable
from shopee_pipeline.warehouse.store import Warehouse

# The streams whose rows escrow reads, and what choosing the orders that need escrow reads of them.
ORDERS, RETURNS = BY_NAME["orders"], BY_NAME["returns"]
ORDER_COLUMNS = ("order_sn", "shop_id", "order_status", "update_time")
RETURN_COLUMNS = ("order_sn", "update_time")


def _orders(
    store: Warehouse, partition_keys: list[str], only: list[str], shop_ids: list[int]
) -> pd.DataFrame:
    """The orders whose escrow may be due: those a push names (`only`), whatever day they now fall on,
    else those of the run's partitions (by `update_time` in SHOPEE_TIMEZONE) and those whose returns
    changed in them. Each carries, as `update_time`, its own or its newest return's, whichever is later."""
    orders_table = tables.metadata.tables[ORDERS.table]
    returns_table = tables.metadata.tables[RETURNS.table]
    with store.connect() as conn:
        if only:
            orders = rows_with_keys(conn, orders_table, ORDERS.conflict_key, only, shop_ids, ORDER_COLUMNS)
        else:
            tz = get_settings().timezone
            windows = [(shop, *day_bounds(day, tz)) for day, shop in parse_partition_keys(partition_keys)]
            orders = rows_in_windows(conn, orders_table, ORDERS.guard_column, windows, list(ORDER_COLUMNS))
            returned = rows_in_windows(conn, returns_table, RETURNS.guard_column, windows, ["order_sn"])
            if others := set(returned["order_sn"]) - set(orders["order_sn"]):
                more = rows_with_keys(
                    conn, orders_table, ORDERS.conflict_key, others, shop_ids, ORDER_COLUMNS
                )
                orders = pd.concat([orders, more], ignore_index=True)
        returns = rows_with_keys(
            conn, returns_table, "order_sn", orders["order_sn"], shop_ids, RETURN_COLUMNS
        )
    return with_return_versions(orders, returns)


def build_escrow_asset(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The `escrow` asset on `partitions`."""

    @dg.asset(
        key=ESCROW.table,
        description=(
            "One row per paid order: escrow_amount (what the seller is expected to receive; it changes until "
            "the order completes and can be exactly 0), buyer_total_amount and every fee Shopee deducts "
            "(commission, service, transaction, shipping). Per-item lines are kept in `escrow_items`. "
            "Fetched for the partition's orders whose escrow is missing or older than the order's last "
            "change or its newest return's (`order_update_time` is that version)."
        ),
        deps=[BY_NAME[stream].table for stream in ESCROW.after],
        metadata=table_metadata(tables.escrow),
        partitions_def=partitions,
        **SYNC_ASSET_ARGS,
        check_specs=ESCROW_CHECKS,
    )
    @sync_step
    def escrow(
        context: dg.AssetExecutionContext,
        config: SyncConfig,
        shopee: ShopeeResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        """Escrow for the partition's orders that lack it or changed since, in POST batches of 50 (a shop's
        batches in parallel), written in chunks as they arrive."""
        store = warehouse.get()
        shop_ids = sorted({shop for _, shop in parse_partition_keys(context.partition_keys)})
        orders = _orders(store, context.partition_keys, config.only, shop_ids)
        locks = shop_sync_locks(store.engine, ESCROW.name, shop_ids, lock_holder(context), context.log.info)
        with locks, shopee.client(store) as client:
            with store.connect() as conn:
                ensure_syncable(conn, shop_ids)
                fetched_versions = escrow_versions(conn, list(orders["order_sn"]))
            wanted = escrow_candidates(orders, fetched_versions)
            update_times = dict(zip(orders["order_sn"], orders["update_time"], strict=True))
            fetched = ESCROW.fetch(client, wanted, update_times, concurrency=shopee.shop_concurrency)
            needing = {"orders_needing_escrow": dg.MetadataValue.int(sum(map(len, wanted.values())))}
            results = write_stream(store, ESCROW, fetched, client, extra=needing)
        yield from results
        yield from escrow_check_results(store, shop_ids)
        # Escrow is read by order_sn, not by update_time windows: it has no high-water mark to move.
        settle(context, store, ESCROW.name, fetched.failures, fetched.skipped)

    return escrow
