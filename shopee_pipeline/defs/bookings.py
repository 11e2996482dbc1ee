"""`bookings`: advance-fulfilment bookings, synced by update_time like orders."""

from collections.abc import Iterator

import dagster as dg

from shopee_pipeline.defs.io_managers import upsert_metadata
from shopee_pipeline.defs.metadata import table_metadata
from shopee_pipeline.defs.policies import SYNC_ASSET_ARGS
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.defs.sync_runs import SyncConfig, plan_run, row_stream, settle, sync_step
from shopee_pipeline.sync.fetch import stream_bookings
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.locks import shop_sync_locks

STREAM = "bookings"


@dg.asset(
    key="bookings",
    description=(
        "One row per advance-fulfilment booking (stock shipped before a buyer orders): booking_status, "
        "match_status and, once MATCHED, the order_sn it was matched to. Items are kept in "
        "`booking_items`. A day's partition holds the bookings last changed that day."
    ),
    metadata={
        **table_metadata(tables.bookings),
        **upsert_metadata("booking_sn", "update_time", "booking_items"),
    },
    **SYNC_ASSET_ARGS,
)
@sync_step
def bookings(
    context: dg.AssetExecutionContext,
    config: SyncConfig,
    shopee: ShopeeResource,
    warehouse: WarehouseResource,
) -> Iterator[dg.Output]:
    """List the partition's changed bookings, fetch details 50 at a time, write them with their items."""
    store = warehouse.get()
    plan = plan_run(context, store, STREAM, config)
    with shop_sync_locks(store.engine, STREAM, plan.days_by_shop), shopee.client(store) as client:
        stream = stream_bookings(
            client,
            plan.windows_by_shop,
            booking_sns_by_shop=plan.targeted or None,
            concurrency=shopee.shop_concurrency,
        )
        yield dg.Output(row_stream(stream, "bookings", client))
    settle(context, store, STREAM, plan, stream.failures, stream.skipped)
