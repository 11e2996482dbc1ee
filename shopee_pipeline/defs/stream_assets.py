"""The standard sync asset: a stream listed by `update_time` windows (or re-read by key for a push),
written with its child tables. One per `StreamSpec` with `standard_asset` (bookings, returns); orders and
escrow have assets of their own."""

from collections.abc import Iterator

import dagster as dg

from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.defs.shops import SHOPS_ASSET
from shopee_pipeline.lib.metadata import table_metadata
from shopee_pipeline.lib.policies import SYNC_ASSET_ARGS
from shopee_pipeline.lib.sync_runs import (
    SyncConfig,
    lock_holder,
    plan_run,
    settle,
    sync_step,
    write_stream,
)
from shopee_pipeline.sync.streams import BY_NAME, StreamSpec
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.locks import shop_sync_locks


def build_stream_asset(spec: StreamSpec, partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The asset `spec.table` on `partitions`: it syncs `spec` for the run's shop-days."""

    @dg.asset(
        key=spec.table,
        description=spec.asset_description,
        deps=[SHOPS_ASSET, *(BY_NAME[stream].table for stream in spec.after)],
        metadata=table_metadata(tables.metadata.tables[spec.table]),
        partitions_def=partitions,
        **SYNC_ASSET_ARGS,
    )
    @sync_step
    def sync_stream(
        context: dg.AssetExecutionContext,
        config: SyncConfig,
        shopee: ShopeeResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization]:
        """List the partition's changed records (or re-read the pushed keys), write them with their child
        rows chunk by chunk, then advance each shop's high-water mark."""
        store = warehouse.get()
        plan = plan_run(context, store, spec, config)
        locks = shop_sync_locks(
            store.engine, spec.name, plan.days_by_shop, lock_holder(context), context.log.info
        )
        with locks, shopee.client(store) as client:
            fetched = spec.read(
                client,
                plan.windows_by_shop,
                keys_by_shop=plan.targeted or None,
                concurrency=shopee.shop_concurrency,
            )
            results, outcome = write_stream(context, store, spec, fetched, client, plan.windows_by_shop)
        yield from results
        settle(context, store, [outcome])

    return sync_stream
