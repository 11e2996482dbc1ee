"""Jobs: the full sync of every Shopee asset, which the schedule and the push sensor target."""

import dagster as dg

SYNC_ASSETS = ["orders", "order_items", "logistics", "escrow", "bookings"]
ORDER_ASSETS = ["orders", "order_items", "logistics"]

sync_shopee_job = dg.define_asset_job(
    name="sync_shopee",
    selection=dg.AssetSelection.assets(*SYNC_ASSETS),
    description="Sync orders, their items and packages, escrow and bookings for the selected shop-days.",
)
