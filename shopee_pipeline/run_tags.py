"""The run tags the pipeline writes and reads: Dagster's partition-range pair and our own. No Dagster."""

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
PARTITION = "dagster/partition"
TRIGGER_TAG = "shopee/trigger"
SHOPS_TAG = "shopee/shops"
SHOP_TAG = "shopee/shop"
SHOP_NAME_TAG = "shopee/shop_name"
