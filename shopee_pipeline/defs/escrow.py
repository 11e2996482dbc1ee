"""`escrow`: what the seller receives per order, fetched only for orders that need it."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from shopee_pipeline.defs.checks import ESCROW_CHECKS, escrow_check_results
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.lib.metadata import table_metadata
from shopee_pipeline.lib.partitions import parse_partition_keys
from shopee_pipeline.lib.policies import SYNC_ASSET_ARGS
from shopee_pipeline.lib.sync_runs import (
    SyncConfig,
    lock_holder,
    partition_windows,
    settle,
    sync_step,
    write_stream,
)
from shopee_pipeline.settings import get_settings
from shopee_pipeline.sync.streams import BY_NAME, ESCROW
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.locks import shop_sync_locks
from shopee_pipeline.warehouse.lookups import orders_needing_escrow
from shopee_pipeline.warehouse.readiness import ensure_syncable
from shopee_pipeline.warehouse.store import Warehouse


def _orders_needing_escrow(
    store: Warehouse, partition_keys: list[str], only: list[str], shop_ids: list[int]
) -> pd.DataFrame:
    """The orders whose escrow is due (missing, or older than the order's or its newest return's last
    change): among those a push names (`only`), whatever day they now fall on, else among those of the
    run's partitions (by `update_time` in SHOPEE_TIMEZONE) and those whose returns changed in them."""
    windows = partition_windows(partition_keys, get_settings().timezone)
    with store.connect() as conn:
        ensure_syncable(conn, shop_ids)
        return orders_needing_escrow(conn, shop_ids, windows=[] if only else windows, only=only)


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
    ) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization | dg.AssetCheckResult]:
        """Escrow for the partition's orders that lack it or changed since, in POST batches of 50 (a shop's
        batches in parallel), written in chunks as they arrive."""
        store = warehouse.get()
        shop_ids = sorted({shop for _, shop in parse_partition_keys(context.partition_keys)})
        locks = shop_sync_locks(store.engine, ESCROW.name, shop_ids, lock_holder(context), context.log.info)
        with locks, shopee.client(store) as client:
            orders = _orders_needing_escrow(store, context.partition_keys, config.only, shop_ids)
            wanted = orders.groupby("shop_id")["order_sn"].agg(list).to_dict() if not orders.empty else {}
            update_times = dict(zip(orders["order_sn"], orders["update_time"], strict=True))
            fetched = ESCROW.fetch(client, wanted, update_times, concurrency=shopee.shop_concurrency)
            needing = {"run_orders_needing_escrow": dg.MetadataValue.int(sum(map(len, wanted.values())))}
            results = write_stream(context, store, ESCROW, fetched, client, extra=needing)
        yield from results
        yield from escrow_check_results(store, shop_ids)
        # Escrow is read by order_sn, not by update_time windows: it has no high-water mark to move.
        settle(context, store, ESCROW.name, fetched.failures, fetched.skipped)

    return escrow
