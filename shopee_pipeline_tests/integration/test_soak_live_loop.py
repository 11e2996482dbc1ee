"""Soak test of the live loop: the whole service, as separate processes, across a Jakarta midnight.

Every process runs under one libfaketime offset, whatever the hour the test runs: its own embedded
Postgres, the webhook receiver, a sandbox Shopee whose clock is that same clock (rate 1: a faster one
would put changes outside the pipeline's incremental windows) and which drops `push_drop_rate` of its
pushes into the lost-push store and sends `push_duplicate_rate` of them twice, and a real
`dagster-daemon` evaluating the schedule and sensors and running what they request. The stack's clock
starts `SETUP_LEAD_S` before 00:00 in Asia/Jakarta; the shops are connected and their history backfilled
first, as a seller's onboarding does, then the daemon starts, and only once it has taken up the schedule
is every clock (and the sandbox's simulated one) moved to `BEFORE_MIDNIGHT_S` before midnight: however
slow the machine, the daemon is running when midnight comes. `auto_sync_every_15_minutes` fires at 00:00
(its first-hour branch syncs yesterday and today), `webhook_events_sensor` turns pushes into runs.

At the end the sandbox's clock is frozen, the hourly `recover_lost_pushes_hourly` tick (cron `7 * * * *`,
it would not fire within these minutes) is stood in for by a launch of `recover_lost_pushes_job`, and the
next 15-minute tick by a launch of the schedule's own RunRequest; once the sensor has handled every
stored push and no run is in flight, the warehouse must equal `GET /_sandbox/truth` for every order,
status, package, tracking number and booking, no tick and no run may have failed, and every push must
have been synced by a run that exists. Prints one JSON line of figures (`pytest -s` shows it).
"""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import requests

from shopee_pipeline.defs.schedules import IN_FLIGHT, shops_in_flight
from shopee_pipeline.warehouse.database import (
    DAGSTER_SCHEMA,
    create_warehouse_engine,
    dagster_storage_url,
    ensure_schema,
)
from shopee_pipeline.warehouse.migrate import upgrade
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline_tests.integration.soak_helpers.audit import (
    audit_events,
    differences,
    failed_ticks,
    percentile,
    run_kind,
    truth_records,
    warehouse_records,
)
from shopee_pipeline_tests.integration.soak_helpers.stack import (
    FAKETIME_LIBRARY,
    LiveStack,
    next_local_time,
    offset_showing,
)
from shopee_pipeline_tests.integration.soak_helpers.ticks import (
    schedule_ticks,
    wait_for_schedule_state,
    wait_for_tick_runs,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

JAKARTA = ZoneInfo("Asia/Jakarta")
SETUP_LEAD_S = 14 * 60  # the stack's clock starts this long before midnight (no quarter-hour tick between)
BEFORE_MIDNIGHT_S = 15  # once the daemon is ready, every clock moves to this long before midnight
LIVE_AFTER_MIDNIGHT_S = 45
SETTLE_TIMEOUT_S = 200
READY_TIMEOUT_S = 240
SANDBOX = {
    "shops": 3,
    "seed": 1201,
    "orders_per_shop_per_day": 600,
    "history_days": 1,
    "clock_rate": 1.0,
    "push_drop_rate": 0.15,
    "push_duplicate_rate": 0.3,
    "push_timeout": 10.0,
    # Each process re-reads the moved clock within about two seconds: a request signed meanwhile by a
    # process already moved must still be accepted by a sandbox not yet moved.
    "future_timestamp_tolerance": SETUP_LEAD_S + 60,
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LiveStack]:
    """A stack whose clock shows `SETUP_LEAD_S` before the next 00:00 in Jakarta; every process stopped
    afterwards, their logs left in `tmp_path`."""
    if not FAKETIME_LIBRARY.exists():
        pytest.skip(f"libfaketime is not installed ({FAKETIME_LIBRARY}; Debian package faketime)")
    root = Path(tempfile.mkdtemp(prefix="soak-", dir="/tmp"))  # short: the Postgres socket lives in it
    offset = offset_showing(next_local_time(JAKARTA, 0).timestamp() - SETUP_LEAD_S)
    live = LiveStack(root, tmp_path, offset, dict(SANDBOX))
    try:
        yield live
    finally:
        live.stop()
        shutil.rmtree(root, ignore_errors=True)


def _synced(records: list) -> list:
    """The runs of the sync location: the analytics location's dbt runs, which its automation sensor
    requests whenever syncs land, are not what the soak audits."""
    return [
        r
        for r in records
        if r.dagster_run.remote_job_origin is None
        or r.dagster_run.remote_job_origin.location_name == "shopee_pipeline"
    ]


def _settle(instance: dg.DagsterInstance, warehouse: Warehouse, stack: LiveStack) -> None:
    """Until every stored push is processed and no run is queued or running (twice in a row, 2 s apart)."""
    from sqlalchemy import func, select

    from shopee_pipeline.warehouse.tables import webhook_events

    deadline, quiet = time.monotonic() + SETTLE_TIMEOUT_S, 0
    while quiet < 2:
        with warehouse.connect() as conn:
            pending = conn.execute(
                select(func.count()).where(webhook_events.c.processed_at.is_(None))
            ).scalar_one()
        in_flight = _synced(instance.get_run_records(filters=dg.RunsFilter(statuses=IN_FLIGHT)))
        quiet = quiet + 1 if not pending and not in_flight else 0
        flying = [(r.dagster_run.run_id[:8], r.dagster_run.status.value, run_kind(r)) for r in in_flight]
        assert time.monotonic() < deadline, (
            f"not settled after {SETTLE_TIMEOUT_S} s: {pending} pushes unprocessed, {len(in_flight)} runs "
            f"in flight: {flying}\n{stack.log_tail('daemon')}"
        )
        time.sleep(2)


def test_live_loop_across_a_jakarta_midnight(stack: LiveStack, monkeypatch) -> None:
    from shopee_pipeline.definitions import defs

    auto_sync_every_15_minutes = defs.get_schedule_def("auto_sync_every_15_minutes")

    started = time.monotonic()
    now = datetime.fromtimestamp(stack.now(), JAKARTA)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=JAKARTA)
    assert timedelta(seconds=SETUP_LEAD_S - 5) < midnight - now <= timedelta(seconds=SETUP_LEAD_S + 1)

    stack.start_database()
    engine = create_warehouse_engine(stack.database_url)
    warehouse = Warehouse(engine, "shopee")
    upgrade(engine, "shopee")
    ensure_schema(engine, DAGSTER_SCHEMA)
    stack.use_dagster_storage(dagster_storage_url(stack.database_url))
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", stack.env["DAGSTER_POSTGRES_URL"])
    stack.start_receiver_and_sandbox(_free_port())
    stack.connect_shops()
    stack.start_backfill()
    stack.wait("backfill", READY_TIMEOUT_S)
    backfilled = datetime.fromtimestamp(stack.now(), JAKARTA)
    stack.start_daemon()
    daemon_started = stack.now()
    instance = dg.DagsterInstance.from_config(str(stack.dagster_home))
    try:
        wait_for_schedule_state(instance, stack, READY_TIMEOUT_S)
        assert stack.now() < midnight.timestamp() - BEFORE_MIDNIGHT_S, (
            f"setup took more than {SETUP_LEAD_S} s: raise SETUP_LEAD_S"
        )
        moved_from = stack.now()
        stack.shift_to(midnight.timestamp() - BEFORE_MIDNIGHT_S)
        stack.sandbox_control("POST", "clock", {"now": int(stack.now())})
        wait_for_tick_runs(instance, stack, midnight.timestamp(), 1, READY_TIMEOUT_S)
        time.sleep(max(0.0, midnight.timestamp() + LIVE_AFTER_MIDNIGHT_S - stack.now()))
        frozen = stack.sandbox_control("POST", "clock/freeze")["now"]
        deadline = time.monotonic() + 60
        while stack.sandbox_control("GET", "calls")["pushes"]["pending"]:
            assert time.monotonic() < deadline, "the sandbox could not deliver its last pushes"
            time.sleep(0.5)
        lost_before_recovery = stack.sandbox_control("GET", "calls")["pushes"]["lost_stored"]

        # Stand-ins for the next ticks of two schedules (their cron times lie beyond the soak):
        # `recover_lost_pushes_hourly` submits `recover_lost_pushes_job`; the next 15-minute tick submits
        # the RunRequest that `auto_sync_every_15_minutes` evaluates to now.
        # A tick skips shops an earlier tick's run still syncs: let the midnight tick's run finish first.
        deadline = time.monotonic() + 180
        while shops_in_flight(instance):
            assert time.monotonic() < deadline, "the midnight tick's run did not finish"
            time.sleep(1)
        tick_time = datetime.fromtimestamp(stack.now(), UTC)
        [request] = auto_sync_every_15_minutes(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=tick_time)
        )
        stack.launch_job("recovery_launch", "recover_lost_pushes_job")
        stack.launch_job("final_sync_launch", "sync_shopee", {**request.tags, "soak/role": "final_sync"})
        stack.wait("recovery_launch", 120)
        stack.wait("final_sync_launch", 120)
        _settle(instance, warehouse, stack)

        truth = requests.get(f"{stack.sandbox_url}/_sandbox/truth", timeout=120).json()
        pushes = stack.sandbox_control("GET", "calls")["pushes"]
        runs = _synced(instance.get_run_records())
        ticks, tick_failures = failed_ticks(instance)
        midnight_ticks = [t for t in schedule_ticks(instance) if t.timestamp == midnight.timestamp()]
    finally:
        instance.dispose()
    expected_orders, expected_bookings = truth_records(truth)
    stored_orders, stored_bookings = warehouse_records(warehouse)
    events = audit_events(warehouse, runs, since=daemon_started)
    engine.dispose()

    mismatches = differences(expected_orders, stored_orders, "order") + differences(
        expected_bookings, stored_bookings, "booking"
    )
    kinds = Counter(run_kind(r) for r in runs)
    failed_runs = [
        f"{run_kind(r)} run {r.dagster_run.run_id}: {r.dagster_run.status}"
        for r in runs
        if r.dagster_run.status != dg.DagsterRunStatus.SUCCESS
    ]
    summary = {
        "soak": "live_loop",
        "clock_wib": f"{now:%Y-%m-%d %H:%M:%S} .. {datetime.fromtimestamp(frozen, JAKARTA):%H:%M:%S}",
        "backfill_done_wib": f"{backfilled:%H:%M:%S}",
        "daemon_started_wib": f"{datetime.fromtimestamp(daemon_started, JAKARTA):%H:%M:%S}",
        "clock_moved_from_wib": f"{datetime.fromtimestamp(moved_from, JAKARTA):%H:%M:%S}",
        "events": {
            "received": events.by_source["push"],
            "deliveries": pushes["delivered"],
            "duplicates_sent_and_deduped": pushes["duplicated"],
            "dropped_to_lost_store": pushes["dropped"],
            "lost_then_recovered": events.by_source["lost_push"],
            "lost_store_before_recovery": lost_before_recovery,
            "awaiting_a_retry_at_shopee": pushes["retrying"],
        },
        "runs": dict(kinds),
        "runs_failed": len(failed_runs),
        "push_to_row_lag_s": {
            "measured": len(events.lags_s),
            "p50": percentile(events.lags_s, 50),
            "p95": percentile(events.lags_s, 95),
        },
        "ticks": ticks,
        "failed_ticks": len(tick_failures),
        "lost_events": events.lost + pushes["lost"] - events.by_source["lost_push"] + pushes["lost_stored"],
        "orders": len(expected_orders),
        "packages": sum(len(o[2]) for o in expected_orders.values()),
        "bookings": len(expected_bookings),
        "mismatches": len(mismatches),
        "wall_s": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary), flush=True)

    assert not mismatches, f"{len(mismatches)} differences, first ones:\n" + "\n".join(mismatches[:20])
    assert not tick_failures, "\n".join(tick_failures[:10])
    assert not failed_runs, "\n".join(failed_runs[:10])
    assert not events.unprocessed, f"pushes never processed: {events.unprocessed[:20]}"
    assert not events.without_run, "\n".join(events.without_run[:20])
    assert not events.ignored_syncs, "\n".join(events.ignored_syncs[:20])
    assert pushes["lost_stored"] == 0, "lost pushes left unconfirmed at Shopee after the recovery"
    assert events.by_source["lost_push"] == pushes["lost"], "not every push of the lost store was recovered"
    assert events.by_source["push"] >= pushes["delivered"] - pushes["duplicated"], (
        "a delivered push is missing"
    )
    # The soak exercised what it claims: the midnight tick, dropped, recovered and duplicated pushes.
    assert any(t.run_ids for t in midnight_ticks), "no tick at 00:00"
    assert pushes["dropped"] and events.by_source["lost_push"] and pushes["duplicated"]
    assert kinds["push"] and kinds["recovery"] == 1 and kinds["final_sync"] == 1
