"""Upgrade guard for `lib/backfills.py`: Dagster 1.13.27 has no public Python API to submit an asset
backfill (only `DagsterInstance.add_backfill` with the private `PartitionBackfill`, or GraphQL), so this pins
what the shop backfills use of the private classes: `PartitionBackfill.from_asset_partitions`'s keywords,
`make_new_backfill_id`, and a backfill that `add_backfill` stores and `get_backfill` reads back as asked.
A Dagster upgrade that changes them fails here first, not in `shopee-pipeline backfill`."""

from __future__ import annotations

import inspect
from datetime import date

import dagster as dg
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
from dagster._core.utils import make_new_backfill_id

from shopee_pipeline.definitions import build_definitions
from shopee_pipeline.lib.backfills import request_shop_backfills
from shopee_pipeline.run_tags import SHOPS_TAG, TRIGGER_TAG
from shopee_pipeline.settings import load_settings
from shopee_pipeline.sync.streams import SYNC_ASSET_KEYS

KEYWORDS = {
    "backfill_id",
    "asset_graph",
    "partition_names",
    "asset_selection",
    "backfill_timestamp",
    "tags",
    "dynamic_partitions_store",
    "all_partitions",
    "title",
    "description",
    "run_config",
}


def test_the_private_backfill_api_is_what_lib_backfills_calls() -> None:
    assert set(inspect.signature(PartitionBackfill.from_asset_partitions).parameters) >= KEYWORDS
    first, second = make_new_backfill_id(), make_new_backfill_id()
    assert isinstance(first, str) and first != second


def test_shop_backfills_are_stored_one_per_slice_as_requested() -> None:
    defs = build_definitions(load_settings({}))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("shops", ["11", "12", "13"])
        ids = request_shop_backfills(instance, defs, date(2026, 11, 1), date(2026, 11, 2), shops_per_run=2)
        backfills = [instance.get_backfill(backfill_id) for backfill_id in ids]
    assert [b.tags[SHOPS_TAG] for b in backfills] == ["11,12", "13"]
    for backfill in backfills:
        assert backfill.status == BulkActionStatus.REQUESTED and backfill.tags[TRIGGER_TAG] == "backfill"
        assert set(backfill.asset_selection) == {dg.AssetKey(key) for key in SYNC_ASSET_KEYS}
        assert backfill.title is not None and backfill.title.endswith("2026-11-01..2026-11-02")
    partitions = backfills[1].asset_backfill_data.target_subset.get_partitions_subset(dg.AssetKey("orders"))
    assert sorted(partitions.get_partition_keys()) == ["2026-11-01|13", "2026-11-02|13"]
