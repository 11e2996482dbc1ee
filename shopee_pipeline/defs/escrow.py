"""`escrow`: what the seller receives per order, fetched only for orders that need it."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from shopee_pipeline.defs.checks import ESCROW_CHECKS, escrow_check_results
from shopee_pipeline.defs.io_managers import upsert_metadata
from shopee_pipeline.defs.metadata import table_metadata
from shopee_pipeline.defs.partitions import parse_partition_keys
from shopee_pipeline.defs.policies import SYNC_ASSET_ARGS
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.defs.sync_runs import RunPlan, SyncConfig, row_stream, settle, sync_step
from shopee_pipeline.sync.fetch import escrow_candidates, stream_escrow
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.locks import shop_sync_locks
from shopee_pipeline.warehouse.lookups import escrow_versions, rows_with_keys
from shopee_pipeline.warehouse.readiness import ensure_syncable

STREAM = "escrow"
# What choosing the orders that need escrow reads of them.
ORDER_COLUMNS = ("order_sn", "shop_id", "order_status", "update_time")


@dg.asset(
    key="escrow",
    description=(
        "One row per paid order: escrow_amount (what the seller is expected to receive; it changes until "
        "the order completes and can be exactly 0), buyer_total_amount and every fee Shopee deducts "
        "(commission, service, transaction, shipping). Per-item lines are kept in `escrow_items`. Fetched "
        "for the partition's orders whose escrow is missing or older than the order's last change."
    ),
    ins={"orders": dg.AssetIn(key="orders", metadata={"columns": list(ORDER_COLUMNS)})},
    metadata={
        **table_metadata(tables.escrow),
        **upsert_metadata("order_sn", "order_update_time", "escrow_items"),
    },
    **SYNC_ASSET_ARGS,
    check_specs=ESCROW_CHECKS,
)
@sync_step
def escrow(
    context: dg.AssetExecutionContext,
    config: SyncConfig,
    orders: pd.DataFrame,
    shopee: ShopeeResource,
    warehouse: WarehouseResource,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Escrow for the partition's orders that lack it or changed since, in POST batches of 50 (a shop's
    batches in parallel), written in chunks as they arrive."""
    store = warehouse.get()
    shop_ids = sorted({shop for _, shop in parse_partition_keys(context.partition_keys)})
    if config.only:
        # The orders a push names, whatever day they now fall on (their partition's day may differ).
        with store.connect() as conn:
            orders = rows_with_keys(conn, tables.orders, "order_sn", config.only, shop_ids, ORDER_COLUMNS)
    with shop_sync_locks(store.engine, STREAM, shop_ids), shopee.client(store) as client:
        with store.connect() as conn:
            ensure_syncable(conn, shop_ids)
            fetched = escrow_versions(conn, list(orders["order_sn"]))
        wanted = escrow_candidates(orders, fetched)
        update_times = dict(zip(orders["order_sn"], orders["update_time"], strict=True))
        stream = stream_escrow(client, wanted, update_times, concurrency=shopee.shop_concurrency)
        yield dg.Output(
            row_stream(stream, "escrow", client),
            metadata={"orders_needing_escrow": dg.MetadataValue.int(sum(map(len, wanted.values())))},
        )
    yield from escrow_check_results(store, shop_ids)
    settle(context, store, STREAM, RunPlan({}, {}, {}), stream.failures, stream.skipped)
