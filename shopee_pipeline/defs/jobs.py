"""Jobs: the full sync of every Shopee asset, which the schedule and the push sensor target."""

import dagster as dg

from shopee_pipeline.defs.partitions import shop_day_partitions

SYNC_ASSETS = ["orders", "order_items", "logistics", "escrow", "bookings"]
ORDER_ASSETS = ["orders", "order_items", "logistics"]

sync_shopee_job = dg.define_asset_job(
    name="sync_shopee",
    selection=dg.AssetSelection.assets(*SYNC_ASSETS),
    partitions_def=shop_day_partitions,
    description="Sync orders, their items and packages, escrow and bookings for the selected shop-days.",
)
