"""The schedule, the shop partitions sensor and the push sensor, evaluated against a real instance,
and one push carried end to end: receiver -> webhook_events -> sensor -> run -> new status in orders."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
import requests
from dagster._core.test_utils import create_run_for_test
from sqlalchemy import select

from shopee_pipeline import clock
from shopee_pipeline.definitions import defs
from shopee_pipeline.defs.resources import WarehouseResource
from shopee_pipeline.defs.schedules import build_auto_sync_schedule
from shopee_pipeline.defs.sensors import shop_partitions_sensor
from shopee_pipeline.defs.shops import AUTHORIZATION_CHECK, EXPIRING_SHOPS_METADATA
from shopee_pipeline.run_tags import RANGE_END, RANGE_START, SHOP_TAG, SHOPS_TAG
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.shops import set_active, set_authorization_expiry
from shopee_pipeline.warehouse.webhook_events import insert_event
from shopee_pipeline.webhook import create_app, push_signature
from shopee_pipeline.webhook.server import background_server

auto_sync_every_15_minutes = defs.get_schedule_def("auto_sync_every_15_minutes")
webhook_events_sensor = defs.get_sensor_def("webhook_events_sensor")


def evaluate(sensor: dg.SensorDefinition, pipeline) -> Any:
    """One evaluation of `sensor` with the warehouse resource opened and closed around it."""
    with dg.build_sensor_context(
        instance=pipeline.instance, resources={"warehouse": WarehouseResource()}
    ) as context:
        return sensor(context)


def test_schedule_requests_one_run_over_every_shop_for_today(pipeline) -> None:
    shops = sorted(str(s) for s in pipeline.sandbox.shop_ids)
    at = datetime(2026, 11, 25, 5, 15, tzinfo=UTC)  # 12:15 in Jakarta
    context = dg.build_schedule_context(
        instance=pipeline.instance, scheduled_execution_time=at, repository_def=defs.get_repository_def()
    )
    [request] = auto_sync_every_15_minutes(context)  # 3 shops, at most 25 per run
    ordered = pipeline.instance.get_dynamic_partitions("shops")
    assert sorted(ordered) == shops
    assert request.tags[RANGE_START] == f"2026-11-25|{ordered[0]}"
    assert request.tags[RANGE_END] == f"2026-11-25|{ordered[-1]}"
    assert request.tags[SHOPS_TAG] == ",".join(ordered)


def test_schedule_fans_out_into_runs_of_at_most_shops_per_run(pipeline) -> None:
    ordered = pipeline.instance.get_dynamic_partitions("shops")
    schedule = build_auto_sync_schedule(pipeline.settings.timezone, shops_per_run=2)
    at = datetime(2026, 11, 25, 5, 15, tzinfo=UTC)
    context = dg.build_schedule_context(instance=pipeline.instance, scheduled_execution_time=at)
    first, second = schedule(context)
    assert (first.tags[RANGE_START], first.tags[RANGE_END]) == (
        f"2026-11-25|{ordered[0]}",
        f"2026-11-25|{ordered[1]}",
    )
    assert (second.tags[RANGE_START], second.tags[RANGE_END]) == (
        f"2026-11-25|{ordered[2]}",
        f"2026-11-25|{ordered[2]}",
    )
    assert SHOP_TAG not in first.tags and second.tags[SHOP_TAG] == ordered[2]  # a one-shop run: queue limit
    assert (
        first.run_key == f"{at.isoformat()}|{ordered[0]}"
        and second.run_key == f"{at.isoformat()}|{ordered[2]}"
    )


def test_a_shop_still_synced_by_an_earlier_tick_is_skipped_and_the_tick_says_so(pipeline) -> None:
    ordered = pipeline.instance.get_dynamic_partitions("shops")
    create_run_for_test(
        pipeline.instance,
        job_name="sync_shopee",
        status=dg.DagsterRunStatus.STARTED,
        tags={"shopee/trigger": "auto_sync", SHOPS_TAG: ordered[1]},
    )
    schedule = build_auto_sync_schedule(pipeline.settings.timezone, shops_per_run=25)
    at = datetime(2026, 11, 25, 5, 15, tzinfo=UTC)
    context = dg.build_schedule_context(instance=pipeline.instance, scheduled_execution_time=at)
    requests = schedule(context)
    assert [r.tags[SHOPS_TAG] for r in requests] == [ordered[0], ordered[2]]  # the busy shop splits the range
    create_run_for_test(
        pipeline.instance,
        job_name="sync_shopee",
        status=dg.DagsterRunStatus.STARTING,
        tags={"shopee/trigger": "auto_sync", SHOPS_TAG: f"{ordered[0]},{ordered[2]}"},
    )
    skipped = schedule(dg.build_schedule_context(instance=pipeline.instance, scheduled_execution_time=at))
    assert isinstance(skipped, dg.SkipReason) and "all 3 active shops" in str(skipped.skip_message)


def test_schedule_includes_yesterday_during_the_first_hour(pipeline) -> None:
    at = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)  # 00:30 on the 25th in Jakarta
    context = dg.build_schedule_context(
        instance=pipeline.instance, scheduled_execution_time=at, repository_def=defs.get_repository_def()
    )
    [request] = auto_sync_every_15_minutes(context)
    assert request.tags[RANGE_START].startswith("2026-11-24|")
    assert request.tags[RANGE_END].startswith("2026-11-25|")


def test_one_tick_syncs_every_shop_in_one_run(pipeline) -> None:
    ordered = pipeline.instance.get_dynamic_partitions("shops")
    day = datetime.fromtimestamp(pipeline.sandbox.now(), pipeline.settings.timezone).date()
    job = defs.resolve_job_def("sync_shopee")
    result = job.execute_in_process(
        instance=pipeline.instance,
        tags={RANGE_START: f"{day}|{ordered[0]}", RANGE_END: f"{day}|{ordered[-1]}"},
    )
    assert result.success
    with pipeline.warehouse.connect() as conn:
        synced = set(conn.execute(select(tables.orders.c.shop_id).distinct()).scalars())
    assert synced == set(pipeline.sandbox.shop_ids)
    # The run names what it synced, every asset of the job, its shops by name, in the instance's tags.
    tags = pipeline.instance.get_run_by_id(result.run_id).tags
    assert tags["shopee/sync"].startswith("every synced asset of ")
    assert tags["shopee/sync"].endswith(f", {day}") and tags["shopee/days"] == str(day)
    assert tags["shopee/shops"] == ",".join(sorted(ordered, key=int))


def test_shop_partitions_follow_the_shops_table(pipeline) -> None:
    gone = pipeline.sandbox.shop_ids[0]
    with pipeline.warehouse.begin() as conn:
        set_active(conn, gone, False)
    current = pipeline.instance.get_dynamic_partitions("shops")
    result = evaluate(shop_partitions_sensor, pipeline)
    for request in result.dynamic_partitions_requests:  # applied in order, as the daemon does
        if isinstance(request, dg.DeleteDynamicPartitionsRequest):
            current = [key for key in current if key not in request.partition_keys]
        else:
            current = [*current, *request.partition_keys]
    remaining = sorted(s for s in pipeline.sandbox.shop_ids if s != gone)
    assert current == [str(s) for s in remaining]  # the shop is gone, the others in numeric order
    [shops] = result.asset_events  # the change is recorded on the `shops` asset, with the names
    assert shops.asset_key == dg.AssetKey("shops") and shops.metadata["dagster/row_count"].value == 2
    with pipeline.warehouse.connect() as conn:
        names = dict(conn.execute(select(tables.shops.c.shop_id, tables.shops.c.shop_name)).tuples().all())
    listing = shops.metadata["active_shops"].value
    assert all(f"| {s} | {names[s]} |" in listing for s in pipeline.sandbox.shop_ids if s != gone)
    assert str(gone) not in listing


def test_shop_partitions_are_not_reordered_under_a_range_run_in_flight(pipeline) -> None:
    """A queued run resolves its partition range when it starts (a run in flight stands in for it
    here): re-ordering the `shops` partitions under it would make a range from its first to its last
    shop cover other shops. So the order is mended only once no range run is in flight."""
    instance, numeric = pipeline.instance, sorted(str(s) for s in pipeline.sandbox.shop_ids)
    for key in numeric:
        instance.delete_dynamic_partition("shops", key)
    unordered = [numeric[1], numeric[0], numeric[2]]
    instance.add_dynamic_partitions("shops", unordered)
    day = "2026-11-25"
    in_flight = create_run_for_test(
        instance,
        job_name="sync_shopee",
        status=dg.DagsterRunStatus.STARTED,
        tags={RANGE_START: f"{day}|{unordered[0]}", RANGE_END: f"{day}|{unordered[-1]}"},
    )
    evaluate(shop_partitions_sensor, pipeline)
    assert instance.get_dynamic_partitions("shops") == unordered
    instance.report_run_canceled(in_flight)
    evaluate(shop_partitions_sensor, pipeline)
    assert instance.get_dynamic_partitions("shops") == numeric


def _event(pipeline, code: int, data: dict, shop_id: int | None) -> None:
    payload = {"code": code, "shop_id": shop_id, "timestamp": int(pipeline.sandbox.now()), "data": data}
    with pipeline.warehouse.begin() as conn:
        insert_event(conn, dedupe_key=json.dumps(payload), code=code, payload=payload, shop_id=shop_id)


def test_push_sensor_turns_each_code_into_the_right_action(pipeline) -> None:
    shop = pipeline.sandbox.shop_ids[0]
    now = int(pipeline.sandbox.now())
    _event(pipeline, 3, {"ordersn": "A1", "status": "COMPLETED", "update_time": now}, shop)
    _event(pipeline, 4, {"ordersn": "A2", "tracking_no": "SPX1"}, shop)
    _event(pipeline, 23, {"booking_sn": "B1", "booking_status": "MATCHED", "update_time": now}, shop)
    _event(pipeline, 12, {}, shop)
    _event(pipeline, 99, {}, shop)
    _event(pipeline, 3, {"status": "COMPLETED"}, shop)
    _event(pipeline, 3, {"ordersn": "Z9"}, 424242)
    result = evaluate(webhook_events_sensor, pipeline)
    [request] = result.run_requests  # one run for the shop: its orders and its bookings
    with pipeline.warehouse.connect() as conn:
        name = conn.execute(
            select(tables.shops.c.shop_name).where(tables.shops.c.shop_id == shop)
        ).scalar_one()
    assert name and request.tags["shopee/shop_name"] == name
    assets = sorted(k.to_user_string() for k in request.asset_selection)
    assert assets == ["bookings", "escrow", "logistics", "order_items", "orders"]
    ops = request.run_config["ops"]
    assert ops["shopee_orders"]["config"]["only"] == ["A1", "A2"]
    assert ops["shopee_orders"]["config"]["escrow_only"] == [
        "A1"
    ]  # a tracking-number push cannot change escrow
    assert ops["bookings"]["config"]["only"] == ["B1"]
    assert request.partition_key.endswith(f"|{shop}")
    outcomes = _outcomes(pipeline)
    assert (99, shop, "ignored: code 99 is not synced") in outcomes
    assert (3, 424242, "ignored: shop 424242 is not connected") in outcomes
    assert (3, shop, "ignored: no ordersn in data") in outcomes
    assert (12, shop, "shop update (code 12)") in outcomes
    with pipeline.warehouse.connect() as conn:
        warned = conn.execute(
            select(tables.shops.c.authorization_expiry_warned_at).where(tables.shops.c.shop_id == shop)
        ).scalar_one()
        pending = conn.execute(
            select(tables.webhook_events.c.outcome, tables.webhook_events.c.run_key).where(
                tables.webhook_events.c.processed_at.is_(None)
            )
        ).all()
    assert warned is not None
    # the synced pushes wait for their run: given to it, not processed before it exists
    assert sorted(pending) == [(None, request.run_key)] * 3


def _outcomes(pipeline) -> list[tuple[int, int | None, str | None]]:
    c = tables.webhook_events.c
    with pipeline.warehouse.connect() as conn:
        return [tuple(r) for r in conn.execute(select(c.code, c.shop_id, c.outcome))]


def test_push_to_row_end_to_end(pipeline) -> None:
    shop = pipeline.sandbox.shop_ids[1]
    day = datetime.fromtimestamp(pipeline.sandbox.now(), pipeline.settings.timezone).date()
    job = defs.resolve_job_def("sync_shopee")
    assert job.execute_in_process(partition_key=f"{day}|{shop}", instance=pipeline.instance).success
    before = {r.order_sn: r.order_status for r in _orders(pipeline, shop)}

    pipeline.sandbox.advance(3 * 3600)  # orders move on in Shopee
    changed = [
        sn for sn in before if pipeline.sandbox.world.order_detail(shop, sn)["order_status"] != before[sn]
    ]
    assert changed
    order_sn = changed[0]
    truth = pipeline.sandbox.world.order_detail(shop, order_sn)

    url, key = "http://127.0.0.1/api/webhook", pipeline.sandbox.partner_key
    body = json.dumps(
        {
            "shop_id": shop,
            "code": 3,
            "timestamp": truth["update_time"],
            "data": {
                "ordersn": order_sn,
                "status": truth["order_status"],
                "update_time": truth["update_time"],
            },
        }
    ).encode()
    with background_server(create_app(pipeline.warehouse, url, key)) as base:
        response = requests.post(
            f"{base}/api/webhook",
            data=body,
            headers={"Authorization": push_signature(key, url, body)},
            timeout=5,
        )
    assert response.status_code == 200 and response.content == b""

    result = evaluate(webhook_events_sensor, pipeline)
    [request] = result.run_requests
    run = job.execute_in_process(
        partition_key=request.partition_key,
        instance=pipeline.instance,
        run_config=request.run_config,
        asset_selection=list(request.asset_selection),
    )
    assert run.success
    after = {r.order_sn: r.order_status for r in _orders(pipeline, shop)}
    assert after[order_sn] == truth["order_status"]


def _orders(pipeline, shop):
    with pipeline.warehouse.connect() as conn:
        return list(
            conn.execute(
                select(tables.orders.c.order_sn, tables.orders.c.order_status).where(
                    tables.orders.c.shop_id == shop
                )
            )
        )


def test_lost_pushes_are_recovered_and_confirmed(pipeline) -> None:
    pipeline.sandbox.advance(2 * 3600)  # no push_url: every push goes to Shopee's lost store
    lost_before = pipeline.sandbox.push_stats()["lost_stored"]
    assert lost_before > 0
    result = defs.resolve_job_def("recover_lost_pushes_job").execute_in_process(instance=pipeline.instance)
    assert result.success
    with pipeline.warehouse.connect() as conn:
        sources = list(conn.execute(select(tables.webhook_events.c.source)).scalars())
    assert len(sources) == lost_before and set(sources) == {"lost_push"}
    assert pipeline.sandbox.push_stats()["lost_stored"] == 0
    # a second pull finds nothing new
    assert (
        defs.resolve_job_def("recover_lost_pushes_job").execute_in_process(instance=pipeline.instance).success
    )
    with pipeline.warehouse.connect() as conn:
        assert len(list(conn.execute(select(tables.webhook_events.c.event_id)).scalars())) == lost_before


def run_authorization_check(pipeline) -> tuple[dg.ExecuteInProcessResult, dg.AssetCheckEvaluation]:
    """One run of `shop_authorization_check_job` (what `shop_authorization_daily` launches) and its
    check's evaluation."""
    result = defs.resolve_job_def("shop_authorization_check_job").execute_in_process(
        instance=pipeline.instance, raise_on_error=False
    )
    [evaluation] = result.get_asset_check_evaluations()
    return result, evaluation


@contextmanager
def authorization_ending(pipeline, shop: int, after: timedelta) -> Iterator[None]:
    """`shop`'s authorization ends `after` from the pipeline's now; restored on exit."""
    with pipeline.warehouse.begin() as conn:
        set_authorization_expiry(conn, shop, clock.now() + after)
    try:
        yield
    finally:
        with pipeline.warehouse.begin() as conn:
            set_authorization_expiry(conn, shop, None)


def test_authorization_check_on_shops_fails_only_for_a_shop_expiring_within_7_days(pipeline) -> None:
    result, evaluation = run_authorization_check(pipeline)
    assert result.success and evaluation.passed
    assert evaluation.asset_key == dg.AssetKey("shops") and evaluation.check_name == AUTHORIZATION_CHECK
    soon = pipeline.sandbox.shop_ids[2]
    with authorization_ending(pipeline, soon, timedelta(days=8)):
        result, evaluation = run_authorization_check(pipeline)
        assert result.success and evaluation.passed
    with authorization_ending(pipeline, soon, timedelta(days=3)):
        result, evaluation = run_authorization_check(pipeline)
    # Blocking with ERROR severity: the run fails, so the run-failure alert hears of it.
    assert not result.success and not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert str(soon) in (evaluation.description or "") and "re-authorize" in (evaluation.description or "")
    assert evaluation.metadata[EXPIRING_SHOPS_METADATA].value == str(soon)
    others = [str(shop) for shop in pipeline.sandbox.shop_ids if shop != soon]
    assert not any(shop in (evaluation.description or "") for shop in others)


def test_authorization_check_runs_daily_on_its_schedule(pipeline) -> None:
    schedule = defs.resolve_schedule_def("shop_authorization_daily")
    assert schedule.cron_schedule == "0 8 * * *"
    assert schedule.execution_timezone == pipeline.settings.timezone.key
    assert schedule.job_name == "shop_authorization_check_job"
    checks = defs.resolve_job_def("shop_authorization_check_job").asset_layer.asset_graph.asset_check_keys
    assert dg.AssetCheckKey(dg.AssetKey("shops"), AUTHORIZATION_CHECK) in checks


def test_purge_deletes_old_runs_with_their_events(pipeline) -> None:
    from datetime import timedelta

    from shopee_pipeline.defs.housekeeping import purge_runs_before

    result = defs.resolve_job_def("recover_lost_pushes_job").execute_in_process(instance=pipeline.instance)
    [record] = pipeline.instance.get_run_records(filters=dg.RunsFilter(run_ids=[result.run_id]))
    # Cutoffs around the run's own creation time: whichever clock stamped it (the database's or a shifted
    # one under `make test-at`), the hour of the test decides nothing.
    created = record.create_timestamp
    assert purge_runs_before(pipeline.instance, created - timedelta(days=1)) == 0
    assert purge_runs_before(pipeline.instance, created + timedelta(minutes=1)) >= 1
    assert pipeline.instance.get_run_by_id(result.run_id) is None
    assert not pipeline.instance.all_logs(result.run_id)


def test_shop_partitions_out_of_numeric_order_are_put_in_order(pipeline) -> None:
    backwards = [str(s) for s in sorted(pipeline.sandbox.shop_ids, reverse=True)]
    for key in pipeline.instance.get_dynamic_partitions("shops"):
        pipeline.instance.delete_dynamic_partition("shops", key)
    pipeline.instance.add_dynamic_partitions("shops", backwards)
    result = evaluate(shop_partitions_sensor, pipeline)  # Dagster refuses requests deleting and adding a key
    assert not result.dynamic_partitions_requests
    assert pipeline.instance.get_dynamic_partitions("shops") == sorted(backwards, key=int)
