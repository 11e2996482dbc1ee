"""`bookings`: advance-fulfilment bookings, synced by update_time like orders."""

from collections.abc import Iterator

import dagster as dg

from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.lib.metadata import table_metadata
from shopee_pipeline.lib.policies import SYNC_ASSET_ARGS
from shopee_pipeline.lib.sync_runs import SyncConfig, marks_after, plan_run, settle, sync_step, write_stream
from shopee_pipeline.sync.streams import BOOKINGS
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.locks import shop_sync_locks


def build_bookings_asset(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The `bookings` asset on `partitions`."""

    @dg.asset(
        key=BOOKINGS.table,
        description=(
            "One row per advance-fulfilment booking (stock shipped before a buyer orders): booking_status, "
            "match_status and, once MATCHED, the order_sn it was matched to. Items are kept in "
            "`booking_items`. A day's partition holds the bookings last changed that day."
        ),
        metadata=table_metadata(tables.bookings),
        partitions_def=partitions,
        **SYNC_ASSET_ARGS,
    )
    @sync_step
    def bookings(
        context: dg.AssetExecutionContext,
        config: SyncConfig,
        shopee: ShopeeResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult]:
        """List the partition's changed bookings, fetch details 50 at a time, write them with their items."""
        store = warehouse.get()
        plan = plan_run(context, store, BOOKINGS, config)
        with shop_sync_locks(store.engine, BOOKINGS.name, plan.days_by_shop), shopee.client(store) as client:
            fetched = BOOKINGS.fetch(
                client,
                plan.windows_by_shop,
                booking_sns_by_shop=plan.targeted or None,
                concurrency=shopee.shop_concurrency,
            )
            results = write_stream(store, BOOKINGS, fetched, client)
        yield from results
        marks = marks_after(plan.windows_by_shop, fetched.failures)
        settle(context, store, BOOKINGS.name, fetched.failures, fetched.skipped, marks)

    return bookings
