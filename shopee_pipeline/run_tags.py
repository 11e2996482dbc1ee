"""The run tags the pipeline writes and reads: Dagster's partition-range pair and our own. No Dagster."""

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
PARTITION = "dagster/partition"
TRIGGER_TAG = "shopee/trigger"
SHOPS_TAG = "shopee/shops"
SHOP_TAG = "shopee/shop"
SHOP_NAME_TAG = "shopee/shop_name"
DAYS_TAG = "shopee/days"
"""The days a sync run covers, `2026-12-01` or `2026-12-01..2026-12-03`."""
SYNC_TAG = "shopee/sync"
"""What a sync run syncs, in words (`orders, escrow of 101 (Toko A), 102 (Toko B), 2026-12-01..2026-12-03`):
the runs list shows it beside the job name every asset run shares."""
PRIORITY_TAG = "dagster/priority"
"""The run queue's order (the QueuedRunCoordinator launches higher first; untagged runs are 0)."""
AUTOMATED_PRIORITY = -1
"""Every run a sensor or schedule starts (push runs, ticks, lost pushes, housekeeping, the authorization
check, dbt automation): after a person's runs (the UI's and its backfills', `shopee-pipeline backfill`'s:
0), first in first out among themselves, so no kind of automated run can starve another."""
AUTOMATED_RUN_TAGS = {PRIORITY_TAG: str(AUTOMATED_PRIORITY)}
"""What an automated run carries: its place in the queue."""
ANALYTICS_TRIGGER = "analytics_automation"
"""`shopee/trigger` of dbt automation runs; dagster.yaml lets one such run at a time."""
