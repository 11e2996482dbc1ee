"""`bookings`: advance-fulfilment bookings, synced by update_time like orders."""

from collections.abc import Iterator

import dagster as dg

from shopee_pipeline.defs.io_managers import upsert_metadata
from shopee_pipeline.defs.metadata import table_metadata
from shopee_pipeline.defs.outputs import ChildRows, ParentRows
from shopee_pipeline.defs.policies import SYNC_ASSET_ARGS
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.defs.sync_runs import SyncConfig, api_metadata, plan_run, settle
from shopee_pipeline.sync.fetch import fetch_bookings
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
        before = client.stats.snapshot()
        result = fetch_bookings(
            client,
            plan.windows_by_shop,
            booking_sns_by_shop=plan.targeted or None,
            concurrency=shopee.shop_concurrency,
        )
        rows = result.rows
        items = ChildRows(rows.booking_items, result.parents_of("booking_items"))
        yield dg.Output(
            ParentRows(rows.bookings, {"booking_items": items}),
            metadata=api_metadata(client.stats.snapshot().since(before)),
        )
    settle(context, store, STREAM, plan, result.failures, result.skipped)
