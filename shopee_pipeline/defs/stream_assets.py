"""The standard sync asset: a stream listed by `update_time` windows (or re-read by key for a push),
written with its child tables. One per `StreamSpec` with `standard_asset` (bookings, returns, items);
orders and escrow have assets of their own."""

from collections.abc import Iterator

import dagster as dg

from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.defs.shops import SHOPS_ASSET
from shopee_pipeline.lib.metadata import table_metadata
from shopee_pipeline.lib.policies import SYNC_ASSET_ARGS, SYNC_SPEC_ARGS
from shopee_pipeline.lib.sync_runs import (
    SyncConfig,
    lock_holder,
    plan_run,
    settle,
    stored_versions,
    sync_step,
    write_stream,
)
from shopee_pipeline.sync.streams import BY_NAME, StreamSpec
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.locks import shop_sync_locks


def build_stream_asset(spec: StreamSpec, partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The assets of `spec` on `partitions` (its table, then its `child_assets`, described by their
    table comments): one step syncs `spec` for the run's shop-days."""

    @dg.multi_asset(
        name=spec.op_name,
        specs=[
            dg.AssetSpec(
                key=spec.table,
                description=spec.asset_description,
                deps=[SHOPS_ASSET, *(BY_NAME[stream].table for stream in spec.after)],
                metadata=table_metadata(tables.metadata.tables[spec.table]),
                **SYNC_SPEC_ARGS,
            ),
            *(
                dg.AssetSpec(
                    key=child,
                    description=tables.metadata.tables[child].comment,
                    metadata=table_metadata(tables.metadata.tables[child]),
                    **SYNC_SPEC_ARGS,
                )
                for child in spec.child_assets
            ),
        ],
        partitions_def=partitions,
        backfill_policy=SYNC_ASSET_ARGS["backfill_policy"],
        retry_policy=SYNC_ASSET_ARGS["retry_policy"],
    )
    @sync_step
    def sync_stream(
        context: dg.AssetExecutionContext,
        config: SyncConfig,
        shopee: ShopeeResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization]:
        """List the partition's changed records (or re-read the pushed keys; or, for a stream read whole
        once a day when that is due, every record), write them with their child rows chunk by chunk,
        then advance each shop's high-water mark."""
        store = warehouse.get()
        plan = plan_run(context, store, spec, config)
        locks = shop_sync_locks(
            store.engine, spec.name, plan.days_by_shop, lock_holder(context), context.log.info
        )
        for shop, started in plan.full_reads.items():
            context.log.info(
                f"shop {shop}: {spec.table} read whole (its first or the day's whole read, at {started})"
            )
        with locks, shopee.client(store) as client:
            fetched = spec.read(
                client,
                plan.windows_by_shop,
                keys_by_shop=plan.targeted or None,
                stored_versions=stored_versions(store, spec, plan),
                concurrency=shopee.shop_concurrency,
            )
            results, outcome = write_stream(context, store, spec, fetched, client, plan.windows_by_shop)
        yield from results
        settle(context, store, [outcome, plan.full_read_outcome(spec, outcome)])

    return sync_stream
