"""`shops`: the connected shops, an asset of the lineage upstream of everything synced per shop."""

import dagster as dg

from shopee_pipeline.lib.metadata import KINDS, OWNERS, SYNC_GROUP, table_metadata
from shopee_pipeline.warehouse import tables

SHOPS_ASSET = "shops"

shops_asset = dg.AssetSpec(
    key=SHOPS_ASSET,
    description=(
        "One row per Shopee shop the app may sync: shop_id, shop_name and region (from get_shop_info), "
        "whether it is active, and when its authorization ends. Written by `shopee-pipeline shops "
        "connect/add/deactivate` and push codes 1, 2 and 12; `shop_partitions_sensor` records each change "
        "of the active shops here, with their names. Every shop partition of the synced assets is a row."
    ),
    metadata=table_metadata(tables.shops),
    kinds=KINDS,
    owners=OWNERS,
    group_name=SYNC_GROUP,
)


def shops_materialization(names_by_shop: dict[int, str | None]) -> dg.AssetMaterialization:
    """What `shop_partitions_sensor` records when the active shops change: how many, and which."""
    listing = "\n".join(f"| {shop} | {name or ''} |" for shop, name in sorted(names_by_shop.items()))
    return dg.AssetMaterialization(
        asset_key=SHOPS_ASSET,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(names_by_shop)),
            "active_shops": dg.MetadataValue.md(f"| shop_id | shop_name |\n|---|---|\n{listing}"),
        },
    )
