"""`shopee-pipeline backfill`: days of many shops become Dagster backfills of at most SHOPEE_SHOPS_PER_RUN
shops, whose runs Dagster's backfill daemon launches, each over one day of at most that many shops."""

import logging
import time
from datetime import timedelta

import dagster as dg
import pytest
from dagster._core.execution.backfill import PartitionBackfill
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.utils import make_new_backfill_id
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.backfill import execute_backfill_iteration
from sqlalchemy import func, select

from shopee_pipeline.definitions import defs
from shopee_pipeline.lib.backfills import request_shop_backfills
from shopee_pipeline.lib.partitions import parse_partition_key, partition_key
from shopee_pipeline.run_tags import RANGE_END, RANGE_START
from shopee_pipeline.sync.streams import SYNC_ASSET_KEYS
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.shops import shop_names
from shopee_pipeline_tests.conftest import dagster_test_instance
from shopee_pipeline_tests.integration.test_assets_e2e import today

# Runs launched in the test's process as they are submitted (no gRPC server, no run worker processes).
IN_PROCESS = {
    "run_coordinator": {"module": "dagster._core.run_coordinator", "class": "DefaultRunCoordinator"},
    "run_launcher": {
        "module": "dagster._core.launcher.sync_in_memory_run_launcher",
        "class": "SyncInMemoryRunLauncher",
    },
}


@pytest.mark.slow
def test_a_backfill_is_cut_by_shop_and_run_by_dagsters_daemon(pipeline) -> None:
    shops = pipeline.instance.get_dynamic_partitions("shops")
    last = today(pipeline)
    first = last - timedelta(days=1)
    target = InProcessWorkspaceLoadTarget(
        InProcessCodeLocationOrigin(LoadableTargetOrigin(module_name="shopee_pipeline.definitions"))
    )
    with dagster_test_instance(overrides=IN_PROCESS) as instance:
        instance.add_dynamic_partitions("shops", shops)
        ids = request_shop_backfills(instance, defs, first, last, shops_per_run=2)
        assert len(ids) == 2  # 3 shops, 2 per backfill
        backfills = [instance.get_backfill(i) for i in ids]
        assert [b.tags["shopee/shops"] for b in backfills] == [",".join(shops[:2]), shops[2]]
        with WorkspaceProcessContext(instance, target) as context:
            for _ in range(3):  # the daemon's loop: request the runs, then see them done
                list(execute_backfill_iteration(context, logging.getLogger("test-backfill")))
        runs = instance.get_runs()
        assert runs and all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs), [
            r.status for r in runs
        ]
    slices = [set(shops[:2]), {shops[2]}]
    covered = set()
    for run in runs:
        (first_day, first_shop), (last_day, last_shop) = (
            parse_partition_key(run.tags[RANGE_START]),
            parse_partition_key(run.tags[RANGE_END]),
        )
        run_shops = shops[shops.index(str(first_shop)) : shops.index(str(last_shop)) + 1]
        assert any(set(run_shops) <= chunk for chunk in slices)  # never more than one backfill's shops
        covered |= {
            (first_day + timedelta(days=n), shop)
            for n in range((last_day - first_day).days + 1)
            for shop in run_shops
        }
    assert covered == {(day, shop) for day in (first, last) for shop in shops}
    with pipeline.warehouse.connect() as conn:
        synced = conn.execute(select(func.count(func.distinct(tables.orders.c.shop_id)))).scalar_one()
    assert synced == 3


def test_unknown_shops_and_reversed_days_are_refused(pipeline) -> None:
    day = today(pipeline)
    with pytest.raises(ValueError, match="no shop partition for 42"):
        request_shop_backfills(pipeline.instance, defs, day, day, 2, shops=["42"])
    with pytest.raises(ValueError, match="before the first"):
        request_shop_backfills(pipeline.instance, defs, day, day - timedelta(days=1), 2)


@pytest.mark.parametrize("adjacent", [True, False])
def test_a_ui_backfill_is_cut_as_the_readme_says_and_its_runs_name_what_they_sync(pipeline, adjacent) -> None:
    """What the UI's "Launch backfill" submits (every synced asset, the keys ticked in its grid, no tag
    of ours): two shops over two days. Dagster cuts it into partition ranges, each within one day: two
    shops next to each other in the partitions' order make one run per day, two others one run per
    shop and day."""
    shops = pipeline.instance.get_dynamic_partitions("shops")
    picked = shops[:2] if adjacent else [shops[0], shops[2]]
    last = today(pipeline)
    days = [last - timedelta(days=1), last]
    target = InProcessWorkspaceLoadTarget(
        InProcessCodeLocationOrigin(LoadableTargetOrigin(module_name="shopee_pipeline.definitions"))
    )
    with dg.instance_for_test(overrides=IN_PROCESS) as instance:
        instance.add_dynamic_partitions("shops", shops)
        backfill = PartitionBackfill.from_asset_partitions(
            backfill_id=make_new_backfill_id(),
            asset_graph=defs.resolve_asset_graph(),
            partition_names=[str(partition_key(day, int(shop))) for day in days for shop in picked],
            asset_selection=[dg.AssetKey(key) for key in SYNC_ASSET_KEYS],
            backfill_timestamp=time.time(),
            tags={},
            dynamic_partitions_store=instance,
            all_partitions=False,
            title=None,
            description=None,
            run_config=None,
        )
        instance.add_backfill(backfill)
        with WorkspaceProcessContext(instance, target) as context:
            for _ in range(3):
                list(execute_backfill_iteration(context, logging.getLogger("test-backfill")))
        runs = instance.get_runs()
    assert runs and all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
    with pipeline.warehouse.connect() as conn:
        names = shop_names(conn)
    cut = sorted((run.tags["shopee/shops"], run.tags["shopee/days"]) for run in runs)
    if adjacent:
        assert cut == sorted((",".join(sorted(picked, key=int)), str(day)) for day in days)
    else:
        assert cut == sorted((shop, str(day)) for shop in picked for day in days)
    for run in runs:
        run_shops = [int(shop) for shop in run.tags["shopee/shops"].split(",")]
        labels = ", ".join(f"{shop} ({names[shop]})" for shop in run_shops)
        assert run.tags["shopee/sync"] == f"every synced asset of {labels}, {run.tags['shopee/days']}"
        if len(run_shops) == 1:
            assert run.tags["shopee/shop_name"] == names[run_shops[0]]
