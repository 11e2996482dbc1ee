"""`product_costs`: the seller's unit costs, an asset of the lineage that no run materializes.

The seller loads it with `shopee-pipeline costs import FILE.csv`, which records each load that changed
the table as a materialization of this asset in the Dagster instance of `DAGSTER_HOME`: the UI then shows
when costs last changed, and what is downstream of them (the profit marts) shows as stale until rebuilt.
An external asset (an `AssetSpec`) rather than an observable source: there is nothing to observe between
loads, and a materialization carries what the load changed.
"""

import dagster as dg

from shopee_pipeline.lib.metadata import OWNERS, SYNC_GROUP, table_metadata
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.costs import CostsLoaded

PRODUCT_COSTS_ASSET = "product_costs"

product_costs_asset = dg.AssetSpec(
    key=PRODUCT_COSTS_ASSET,
    description=(
        "What each variation costs the seller, from a day on: one row per shop, item_id, model_id and "
        "valid_from, with unit_cost and currency. Loaded by the seller with `shopee-pipeline costs import "
        "FILE.csv` (all rows or none); `shopee-pipeline costs export FILE.csv` writes the template of the "
        "shop's SKUs to fill in. Each load that changed a cost is recorded here as a materialization."
    ),
    metadata=table_metadata(tables.product_costs),
    kinds={"csv", "postgres"},
    owners=OWNERS,
    group_name=SYNC_GROUP,
)


def costs_materialization(loaded: CostsLoaded, total: int, source: str) -> dg.AssetMaterialization:
    """What `costs import` records of a load: the table's rows after it, what it changed, and the file."""
    return dg.AssetMaterialization(
        asset_key=PRODUCT_COSTS_ASSET,
        description=f"costs import {source}",
        metadata={
            "dagster/row_count": dg.MetadataValue.int(total),
            "rows_inserted": dg.MetadataValue.int(loaded.inserted),
            "rows_updated": dg.MetadataValue.int(loaded.updated),
            "rows_unchanged": dg.MetadataValue.int(loaded.unchanged),
            "file": dg.MetadataValue.path(source),
        },
    )
