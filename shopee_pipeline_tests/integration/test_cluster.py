"""Cluster test: the scheduled tick fanned out over several run workers at once, each its own process.

Separate processes under one libfaketime offset, whatever the hour the test runs, starting `SETUP_LEAD_S`
before 15:00 in Asia/Jakarta and moved to `BEFORE_TICK_S` before it once the daemon has taken up the
schedule, so that the machine's speed decides nothing: the embedded Postgres, the webhook
receiver, a sandbox Shopee of 12 shops (its clock frozen at its start), a `dagster api grpc` code server
with `SHOPEE_SHOPS_PER_RUN=4`, and a `dagster-daemon run` whose workspace points at that server and
whose instance is the repository's dagster.yaml (QueuedRunCoordinator, `max_concurrent_runs` set to 2, the
per-shop tag limits) on Postgres. The daemon's DefaultRunLauncher asks the code server to start each
run, which it does in a run worker process of its own.

`auto_sync_every_15_minutes` fires at 15:00 and cuts the 12 shops into 3 runs, 2 of which the queue
starts at once. As soon as the first of them finishes, the next tick is stood in for: the schedule is
evaluated then and its RunRequests launched through the same queue, so it must leave out every shop an
earlier run still syncs. Asserted: every run succeeded and was launched through the code server; at
least two ran at overlapping times; no shop was in two runs whose [start, end] overlap; the warehouse's
orders, statuses, packages and bookings equal the sandbox's truth for the day. Prints one JSON line of
figures (`pytest -s` shows it).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import requests

from shopee_pipeline.defs.schedules import build_auto_sync_schedule
from shopee_pipeline.run_tags import SHOPS_TAG
from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline_tests.integration.cluster_helpers.cluster import (
    LOCATION,
    ClusterStack,
    boot_cluster,
    expected_runs,
    free_port,
    wait_until_finished,
)
from shopee_pipeline_tests.integration.cluster_helpers.figures import (
    ClusterSampler,
    intervals,
    peak_overlap,
    shop_overlaps,
    truth_since,
)
from shopee_pipeline_tests.integration.soak_helpers.audit import differences, failed_ticks, warehouse_records
from shopee_pipeline_tests.integration.soak_helpers.stack import (
    FAKETIME_LIBRARY,
    next_local_time,
    offset_showing,
)
from shopee_pipeline_tests.integration.soak_helpers.ticks import wait_for_schedule_state, wait_for_tick_runs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

JAKARTA = ZoneInfo("Asia/Jakarta")
TICK_HOUR = 15  # mid-afternoon: the tick syncs today only, whatever the real hour
SETUP_LEAD_S = 10 * 60  # the stack's clock starts this long before the tick (no quarter-hour between)
BEFORE_TICK_S = 3  # once the daemon is ready, every clock moves to this long before the tick
READY_TIMEOUT_S = 180
# Small enough to cost the suite little, large enough that a run waits in the queue while two run:
# `make bench` (bench_cluster) measures the fan-out at scale.
SHOPS, SHOPS_PER_RUN, MAX_CONCURRENT_RUNS = 12, 4, 2
SANDBOX = {"shops": SHOPS, "seed": 2411, "orders_per_shop_per_day": 6, "history_days": 1, "latency_ms": 20.0}
GRPC_INFO_TAG = ".dagster/grpc_info"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ClusterStack]:
    """A cluster whose clock shows `SETUP_LEAD_S` before the next 15:00 in Jakarta; every process stopped
    afterwards, their logs left in `tmp_path`."""
    if not FAKETIME_LIBRARY.exists():
        pytest.skip(f"libfaketime is not installed ({FAKETIME_LIBRARY}; Debian package faketime)")
    root = Path(tempfile.mkdtemp(prefix="cluster-", dir="/tmp"))  # short: the Postgres socket lives in it
    offset = offset_showing(next_local_time(JAKARTA, TICK_HOUR).timestamp() - SETUP_LEAD_S)
    stack = ClusterStack(root, tmp_path, offset, dict(SANDBOX))
    try:
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)


def _stand_in_tick(instance: dg.DagsterInstance, stack: ClusterStack, first_runs: list[str]) -> list[str]:
    """Once one of `first_runs` has finished: the schedule evaluated at that instant, its RunRequests
    launched through the queue; the new runs' ids."""
    deadline = time.monotonic() + 120
    while not any(r.is_finished for r in instance.get_runs(filters=dg.RunsFilter(run_ids=first_runs))):
        assert time.monotonic() < deadline, f"no run of the tick finished:\n{stack.log_tail('daemon')}"
        time.sleep(0.2)
    schedule = build_auto_sync_schedule(JAKARTA, SHOPS_PER_RUN)
    at = datetime.fromtimestamp(stack.now(), UTC)
    requests_ = schedule(dg.build_schedule_context(instance=instance, scheduled_execution_time=at))
    assert isinstance(requests_, list) and requests_, f"the stand-in tick requested nothing: {requests_}"
    names = [f"second_tick_{i}" for i in range(len(requests_))]
    for name, request in zip(names, requests_, strict=True):
        stack.launch_job(name, "sync_shopee", {**request.tags, "cluster/role": "second_tick"})
    for name in names:
        stack.wait(name, 120)
    role = dg.RunsFilter(tags={"cluster/role": "second_tick"})
    return [r.run_id for r in instance.get_runs(filters=role)]


def test_tick_fans_out_over_run_workers(cluster: ClusterStack, monkeypatch) -> None:
    started = time.monotonic()
    now = datetime.fromtimestamp(cluster.now(), JAKARTA)
    tick = now.replace(hour=TICK_HOUR, minute=0, second=0, microsecond=0)
    assert SETUP_LEAD_S - 5 < (tick - now).total_seconds() <= SETUP_LEAD_S + 1

    boot_cluster(cluster, MAX_CONCURRENT_RUNS, SHOPS_PER_RUN, free_port())
    booted_s = time.monotonic() - started
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", cluster.env["DAGSTER_POSTGRES_URL"])
    instance = dg.DagsterInstance.from_config(str(cluster.dagster_home))
    try:
        wait_for_schedule_state(instance, cluster, READY_TIMEOUT_S)
        assert cluster.now() < tick.timestamp() - BEFORE_TICK_S, f"setup took more than {SETUP_LEAD_S} s"
        cluster.shift_to(tick.timestamp() - BEFORE_TICK_S)
        with ClusterSampler(cluster.processes["grpc"].pid, cluster.database_url) as sampler:
            tick_runs = wait_for_tick_runs(
                instance, cluster, tick.timestamp(), expected_runs(SHOPS, SHOPS_PER_RUN), READY_TIMEOUT_S
            )
            second_runs = _stand_in_tick(instance, cluster, tick_runs)
            wait_until_finished(instance, cluster, tick_runs + second_runs, 150)
        records = instance.get_run_records(filters=dg.RunsFilter(run_ids=tick_runs + second_runs))
        _, tick_failures = failed_ticks(instance)
    finally:
        instance.dispose()
    truth = requests.get(f"{cluster.sandbox_url}/_sandbox/truth", timeout=120).json()
    calls = cluster.sandbox_control("GET", "calls")["calls"]
    engine = create_warehouse_engine(cluster.database_url)
    try:
        stored_orders, stored_bookings = warehouse_records(Warehouse(engine, "shopee"))
    finally:
        engine.dispose()
    expected_orders, expected_bookings = truth_since(truth, tick.replace(hour=0).timestamp())
    mismatches = differences(expected_orders, stored_orders, "order") + differences(
        expected_bookings, stored_bookings, "booking"
    )

    first = [r for r in records if r.dagster_run.run_id in tick_runs]
    spans = intervals(records)
    overlaps = shop_overlaps(records)
    second_shops = {
        s
        for r in records
        if r.dagster_run.run_id in second_runs
        for s in r.dagster_run.tags[SHOPS_TAG].split(",")
    }
    summary = {
        "cluster": "tick_fan_out",
        "clock_wib": f"{now:%Y-%m-%d %H:%M:%S}",
        "shops": SHOPS,
        "tick_runs": len(first),
        "second_tick_runs": len(second_runs),
        "second_tick_shops": len(second_shops),
        "runs_peak_concurrency": peak_overlap(spans),
        "workers_peak_concurrency": sampler.peak_workers,
        "worker_peak_rss_mb": sampler.worker_peak_mb(),
        "db_connections_peak": sampler.peak_connections,
        "tick_to_last_end_s": round(max(e for _, e in spans) - tick.timestamp(), 1),
        "orders": len(expected_orders),
        "bookings": len(expected_bookings),
        "api_calls": calls.get("total", sum(calls.values())),
        "mismatches": len(mismatches),
        "boot_s": round(booted_s, 1),
        "wall_s": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary), flush=True)

    failed = [
        f"{r.dagster_run.run_id}: {r.dagster_run.status}"
        for r in records
        if r.dagster_run.status != dg.DagsterRunStatus.SUCCESS
    ]
    assert not failed, "\n".join(failed)
    assert not tick_failures, "\n".join(tick_failures[:10])
    assert sorted(s for r in first for s in r.dagster_run.tags[SHOPS_TAG].split(",")) == sorted(
        map(str, cluster.shop_ids)
    )
    assert len(spans) == len(records)
    assert peak_overlap(spans) >= 2, f"the runs never overlapped: {spans}"
    assert sampler.peak_workers >= 2, "never two run workers of the code server alive at once"
    assert not overlaps, "\n".join(overlaps)
    assert second_shops and len(second_shops) < SHOPS, "the stand-in tick skipped no busy shop"
    for record in records:
        run = record.dagster_run
        assert json.loads(run.tags[GRPC_INFO_TAG])["port"] == cluster.grpc_port, run.tags
        assert run.remote_job_origin.repository_origin.code_location_origin.location_name == LOCATION
    assert expected_orders and not mismatches, f"{len(mismatches)} differences:\n" + "\n".join(
        mismatches[:20]
    )
