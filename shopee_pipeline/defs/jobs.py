"""Jobs: the full sync of every Shopee asset, which the schedule and the push sensor target."""

import dagster as dg

from shopee_pipeline.sync.streams import SYNC_ASSET_KEYS

sync_shopee_job = dg.define_asset_job(
    name="sync_shopee",
    selection=dg.AssetSelection.assets(*SYNC_ASSET_KEYS),
    description=f"Sync {', '.join(SYNC_ASSET_KEYS)} for the selected shop-days.",
)
