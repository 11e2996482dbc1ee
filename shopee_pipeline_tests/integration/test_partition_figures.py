"""A partition's figures are its own: after a range run over shops and days, each partition's latest
materialization carries that shop-day's rows and GMV (with its currency), as the sandbox has them, under
keys of that shop (one plot per shop in the UI); the run's totals are one JSON entry `run`, never plotted."""

from datetime import timedelta
from decimal import Decimal

import dagster as dg
import pytest

from shopee_pipeline.definitions import defs
from shopee_pipeline.run_tags import RANGE_END, RANGE_START
from shopee_pipeline.sync.windows import day_bounds
from shopee_pipeline_tests.integration.test_assets_e2e import today

pytestmark = pytest.mark.clock  # day syncs: the pipeline plans its windows by its clock


def _latest(instance: dg.DagsterInstance, asset: str, partition: str) -> dict:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[partition]),
        limit=1,
        ascending=False,
    ).records
    return {k: v.value for k, v in records[0].asset_materialization.metadata.items()}


def test_each_partition_of_a_range_run_reports_its_own_rows_and_gmv(pipeline) -> None:
    shops = pipeline.instance.get_dynamic_partitions("shops")[:2]
    last = today(pipeline)
    first = last - timedelta(days=1)
    job = defs.resolve_job_def("sync_shopee")
    tags = {RANGE_START: f"{first}|{shops[0]}", RANGE_END: f"{last}|{shops[1]}"}
    result = job.execute_in_process(instance=pipeline.instance, tags=tags, raise_on_error=False)
    assert result.success
    tz = pipeline.settings.timezone
    world = pipeline.sandbox.world
    totals = []
    for day in (first, last):
        start, end = day_bounds(day, tz)
        for shop in map(int, shops):
            expected = world.orders_updated_between(shop, int(start.timestamp()), int(end.timestamp()) - 1)
            gmv = sum(Decimal(str(world.order_detail(shop, sn)["total_amount"])) for sn in expected)
            figures = _latest(pipeline.instance, "orders", f"{day}|{shop}")
            assert figures["dagster/row_count"] == figures[f"rows of shop {shop}"] == len(expected) > 0
            assert Decimal(str(figures[f"gmv of shop {shop}"])) == gmv and figures["currency"] == "IDR"
            assert figures["gmv_text"] == f"IDR {gmv:,.0f}"
            assert sum(figures["rows_by_status"].values()) == len(expected)
            assert "run" not in figures  # a run total is not a partition's figure
            plotted = {name for name, value in figures.items() if isinstance(value, int | float)}
            assert plotted == {"dagster/row_count", f"rows of shop {shop}", f"gmv of shop {shop}"}
            assert figures["shop"] == f"{shop} ({pipeline.sandbox.world.shop(shop).shop_name})"
            totals.append(len(expected))
    assert len(set(totals)) > 1  # the partitions differ: each shows its own, not the run's
    run_events = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey("orders") and "run" in e.materialization.metadata
    ]
    assert run_events and all(list(m.metadata) == ["run"] for m in run_events)  # nothing to plot
    assert run_events[0].metadata["run"].value["rows_written"] == sum(totals)
    assert run_events[0].metadata["run"].value["partitions"] == 4
