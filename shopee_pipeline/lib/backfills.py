"""Backfills cut by shop: Dagster asset backfills of at most `shops_per_run` shops each.

A backfill launched from the UI over many shops becomes one run per day holding every selected shop
(Dagster splits a multi-partition backfill by date, and the sync assets' single-run policy keeps each
date whole, so that `dagster asset materialize --partition-range` works). This asks Dagster for several
backfills instead, one per slice of consecutive shops; the daemon's backfill loop and the run queue launch
their runs as for any backfill.

Dagster 1.13.27 has no public Python API to submit an asset backfill (the UI goes through GraphQL), so this
uses the private `PartitionBackfill` and `make_new_backfill_id` with the public `add_backfill`;
`shopee_pipeline_tests/unit/test_backfill_private_api.py` pins what it relies on, for upgrades.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import dagster as dg
from dagster._core.execution.backfill import PartitionBackfill
from dagster._core.utils import make_new_backfill_id

from shopee_pipeline.lib.partitions import SHOP_PARTITIONS_NAME, partition_key, shop_slices
from shopee_pipeline.run_tags import SHOPS_TAG, TRIGGER_TAG
from shopee_pipeline.sync.streams import SYNC_ASSET_KEYS


def request_shop_backfills(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    first_day: date,
    last_day: date,
    shops_per_run: int,
    shops: list[str] | None = None,
) -> list[str]:
    """Add one asset backfill of every synced asset over `first_day..last_day` per slice of at most
    `shops_per_run` shops (`shops`, else every shop partition); return their ids."""
    if last_day < first_day:
        raise ValueError(f"the last day {last_day} is before the first {first_day}")
    known = instance.get_dynamic_partitions(SHOP_PARTITIONS_NAME)
    wanted = shops if shops is not None else known
    if unknown := sorted(set(wanted) - set(known)):
        raise ValueError(f"no shop partition for {', '.join(unknown)}: connect the shop first")
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    graph = defs.resolve_asset_graph()
    selection = [dg.AssetKey(key) for key in SYNC_ASSET_KEYS]
    ids = []
    for chunk in shop_slices([s for s in known if s in set(wanted)], (), shops_per_run):
        backfill_id = make_new_backfill_id()
        keys = [str(partition_key(day, int(shop))) for day in days for shop in chunk]
        backfill = PartitionBackfill.from_asset_partitions(
            backfill_id=backfill_id,
            asset_graph=graph,
            partition_names=keys,
            asset_selection=selection,
            backfill_timestamp=time.time(),
            tags={TRIGGER_TAG: "backfill", SHOPS_TAG: ",".join(chunk)},
            dynamic_partitions_store=instance,
            all_partitions=False,
            title=f"shops {chunk[0]}..{chunk[-1]}, {first_day}..{last_day}",
            description=f"{len(chunk)} shops x {len(days)} days (shopee-pipeline backfill)",
            run_config=None,
        )
        instance.add_backfill(backfill)
        ids.append(backfill_id)
    return ids
