"""The run queue serves people first: runs as each trigger tags them, put through the queue daemon's own
choice of what to launch next with the repository's dagster.yaml; dbt automation one run at a time and
never building what reads a model that does not exist yet (a fresh database); a mart's build records its
rows, totals and column types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.remote_origin import (
    RegisteredCodeLocationOrigin,
    RemoteJobOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.storage.dagster_run import DagsterRun
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon
from sqlalchemy import text

from shopee_pipeline.analytics import DBT_LOG_FILE_VARIABLE
from shopee_pipeline.analytics.definitions import defs as analytics_defs
from shopee_pipeline.analytics.project import PARTIAL_PARSE_FILE, shopee_dbt_project
from shopee_pipeline.definitions import build_definitions
from shopee_pipeline.definitions import defs as sync_defs
from shopee_pipeline.run_tags import AUTOMATED_PRIORITY, PRIORITY_TAG, RANGE_END, RANGE_START
from shopee_pipeline.settings import get_settings
from shopee_pipeline_tests.integration.test_dbt_marts import analytics_pipeline  # noqa: F401 (fixture)
from shopee_pipeline_tests.pinned_clock import sandbox_day

REPO = Path(__file__).resolve().parents[2]


def _automation_tags() -> dict[str, str]:
    sensor = analytics_defs.resolve_sensor_def("shopee_analytics_automation")
    assert isinstance(sensor, dg.AutomationConditionSensorDefinition)
    return dict(sensor.run_tags)


def _schedule_tags() -> dict[str, str]:
    """What `auto_sync_every_15_minutes` tags its runs with, from a real evaluation."""
    defs = build_definitions(get_settings())
    schedule = defs.resolve_schedule_def("auto_sync_every_15_minutes")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("shops", ["101"])
        at = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
        (request,) = schedule(dg.build_schedule_context(instance=instance, scheduled_execution_time=at))
    return dict(request.tags)


ORIGIN = RemoteJobOrigin(
    RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("shopee_pipeline"), "__repository__"), "__ASSET_JOB"
)


def _queue(instance: dg.DagsterInstance, *runs: tuple[str, dict[str, str], dg.DagsterRunStatus]) -> None:
    """Add the runs in this order (the queue's oldest first), as the UI, a sensor or a schedule would."""
    for name, tags, status in runs:
        run = DagsterRun(
            job_name=ORIGIN.job_name, run_id=name, tags=tags, status=status, remote_job_origin=ORIGIN
        )
        instance.add_run(run)


def _next_launched(instance: dg.DagsterInstance) -> list[str]:
    """The runs the queue daemon would launch now, in its order."""
    daemon = QueuedRunCoordinatorDaemon(interval_seconds=1)
    return [
        run.run_id for run in daemon._get_runs_to_dequeue(instance, instance.get_concurrency_config(), None)
    ]


@pytest.fixture
def queue_instance():
    config = yaml.safe_load((REPO / "dagster.yaml").read_text())
    overrides = {"run_coordinator": config["run_coordinator"], "concurrency": config["concurrency"]}
    with dg.instance_for_test(overrides=overrides) as instance:
        yield instance


def test_a_persons_run_leaves_the_queue_first_then_automation_in_order(queue_instance) -> None:
    queued = dg.DagsterRunStatus.QUEUED
    push = {PRIORITY_TAG: str(AUTOMATED_PRIORITY), "shopee/shop": "7"}
    # Queued oldest first: two dbt automation runs, a scheduled sync, a push run, then a person's UI run.
    _queue(
        queue_instance,
        ("dbt-1", _automation_tags(), queued),
        ("dbt-2", _automation_tags(), queued),
        ("schedule", _schedule_tags(), queued),
        ("push", push, queued),
        ("person", {}, queued),
    )
    # Four run slots: the person's run first, then the automated ones as they came (none starves another),
    # one dbt run at a time.
    assert _next_launched(queue_instance) == ["person", "dbt-1", "schedule", "push"]


def test_a_second_automation_run_waits_for_the_first(queue_instance) -> None:
    _queue(
        queue_instance,
        ("dbt-running", _automation_tags(), dg.DagsterRunStatus.STARTED),
        ("dbt-next", _automation_tags(), dg.DagsterRunStatus.QUEUED),
        ("person", {}, dg.DagsterRunStatus.QUEUED),
    )
    assert _next_launched(queue_instance) == ["person"]


def test_every_schedule_and_the_automation_run_behind_people() -> None:
    defs = build_definitions(get_settings())
    for schedule in defs.schedules or []:
        assert int(schedule.tags.get(PRIORITY_TAG, "0")) < 0 or schedule.name == "auto_sync_every_15_minutes"
    assert (
        int(_schedule_tags()[PRIORITY_TAG]) == int(_automation_tags()[PRIORITY_TAG]) == AUTOMATED_PRIORITY < 0
    )
    sensor = analytics_defs.resolve_sensor_def("shopee_analytics_automation")
    assert sensor.minimum_interval_seconds == get_settings().analytics_interval_seconds == 300


def _requested(result) -> set[str]:
    """The models an automation evaluation requested."""
    (models,) = analytics_defs.assets
    return {key.to_user_string() for key in models.keys if result.get_num_requested(key)}


def _build(pipeline, keys: set[str]) -> dg.ExecuteInProcessResult:
    """What the automation builds for `keys`: the models and their dbt tests (the money-at-risk checks run
    on their own schedule)."""
    (models,) = analytics_defs.assets
    selected = {dg.AssetKey(k) for k in keys}
    job = analytics_defs.resolve_implicit_global_asset_job_def().get_subset(
        asset_selection=selected,
        asset_check_selection={check for check in models.check_keys if check.asset_key in selected},
    )
    result = job.execute_in_process(instance=pipeline.instance, raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result


def _assert_sales_figures(pipeline, built: dg.ExecuteInProcessResult) -> None:
    """`daily_shop_sales`' materialization records its rows, totals equal to what the synced orders hold
    (counted here from `orders`, not from the mart), its columns' types, and a description without SQL."""
    (event,) = [
        e.materialization
        for e in built.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey("daily_shop_sales")
    ]
    metadata = {key: value.value for key, value in event.metadata.items()}
    schema = pipeline.warehouse.schema
    with pipeline.warehouse.connect() as conn:
        rows = conn.execute(text(f'SELECT count(*) FROM "{pipeline.marts}".daily_shop_sales')).scalar_one()
        orders, gmv = conn.execute(
            text(
                f"SELECT count(*), sum(total_amount) FILTER (WHERE order_status <> 'CANCELLED') "
                f'FROM "{schema}".orders'
            )
        ).one()
    assert metadata["dagster/row_count"] == rows > 0
    assert metadata["totals"]["orders"] == metadata["total orders"] == orders > 0
    assert Decimal(metadata["totals"]["gmv"]) == gmv > 0
    assert metadata["total gmv"] == pytest.approx(float(gmv))
    types = {column.name: column.type for column in metadata["dagster/column_schema"].columns}
    assert types["gmv"] == "numeric" and types["order_date"] == "date"
    description = analytics_defs.resolve_asset_graph().get(dg.AssetKey("daily_shop_sales")).description
    assert description and "select" not in description.lower()


@pytest.mark.slow
def test_automation_on_a_fresh_database_builds_nothing_before_what_it_reads(
    analytics_pipeline,  # noqa: F811
    monkeypatch,
    tmp_path,
) -> None:
    """Orders synced, escrow not yet: `order_economics` (which reads `stg_escrow`) is requested only with
    `stg_escrow`; what is requested builds, its tests included, on a database where no model exists yet,
    and the escrow's sync requests both again. dbt's console lines go to SHOPEE_DBT_LOG_FILE, and the
    second build re-parses nothing."""
    pipeline = analytics_pipeline
    dbt_log = tmp_path / "logs" / "dbt.log"
    monkeypatch.setenv(DBT_LOG_FILE_VARIABLE, str(dbt_log))
    merged = dg.Definitions.merge(sync_defs, analytics_defs)
    baseline = dg.evaluate_automation_conditions(defs=merged, instance=pipeline.instance)
    today = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    shop = pipeline.sandbox.shop_ids[0]
    tags = {RANGE_START: f"{today - timedelta(days=2)}|{shop}", RANGE_END: f"{today}|{shop}"}
    job = sync_defs.resolve_implicit_global_asset_job_def()
    orders_only = [dg.AssetKey(k) for k in ("orders", "order_items", "logistics")]
    synced = job.execute_in_process(
        instance=pipeline.instance, asset_selection=orders_only, tags=tags, raise_on_error=False
    )
    assert synced.success

    first = dg.evaluate_automation_conditions(defs=merged, instance=pipeline.instance, cursor=baseline.cursor)
    requested = _requested(first)
    assert {"stg_orders", "stg_order_items", "daily_shop_sales"} <= requested
    # Every model is missing on a fresh database, so each is requested once; a model reading another is
    # requested only together with it (dbt builds them in order): never a model or test before its input.
    assert "order_economics" not in requested or "stg_escrow" in requested
    built = _build(pipeline, requested)
    assert all(check.passed for check in built.get_asset_check_evaluations())
    _assert_sales_figures(pipeline, built)
    # The sensor's next tick sees the build (a model's own update resets its trigger in that tick).
    seen = dg.evaluate_automation_conditions(defs=merged, instance=pipeline.instance, cursor=first.cursor)

    synced = job.execute_in_process(
        instance=pipeline.instance, asset_selection=[dg.AssetKey("escrow")], tags=tags, raise_on_error=False
    )
    assert synced.success
    second = dg.evaluate_automation_conditions(defs=merged, instance=pipeline.instance, cursor=seen.cursor)
    assert {"stg_escrow", "order_economics"} <= _requested(second)
    first_build_lines = len(dbt_log.read_text().splitlines())
    assert first_build_lines > 0
    built = _build(pipeline, _requested(second))
    assert all(check.passed for check in built.get_asset_check_evaluations())
    second_build = "\n".join(dbt_log.read_text().splitlines()[first_build_lines:])
    assert "order_economics" in second_build
    assert "Unable to do partial parsing" not in second_build, second_build[:2000]
    assert (shopee_dbt_project().target_path / PARTIAL_PARSE_FILE).exists()
