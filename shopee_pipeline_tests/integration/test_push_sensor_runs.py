"""The push sensor evaluated as the daemon does (its sensor iteration, runs created by Dagster from the
run requests): a push is marked processed only once its run exists, a failed tick loses nothing and the
next one launches each run once, one shop's pushes of a tick make one run, a pushed day outside the
partitions does not fail the tick."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from datetime import time as day_time

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.scheduler.instigation import TickStatus
from dagster._core.test_utils import freeze_time
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.sensor import execute_sensor_iteration
from sqlalchemy import select

from shopee_pipeline import clock
from shopee_pipeline.definitions import defs
from shopee_pipeline.defs import sensors
from shopee_pipeline.lib.partitions import DATE
from shopee_pipeline.run_tags import RANGE_END, RANGE_START
from shopee_pipeline.sync.streams import BOOKINGS, ESCROW, ORDERS
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.webhook_events import insert_event
from shopee_pipeline_tests.conftest import dagster_test_instance

QUEUED = {"run_coordinator": {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator"}}
"""Runs are created (queued) by the sensor daemon's code path but never started: the test asserts them."""

daily_partitions = defs.get_assets_def("orders").partitions_def.get_partitions_def_for_dimension(DATE)


class Daemon:
    """The sensor daemon's iteration over an in-process code location, on a real test instance."""

    def __init__(self, instance: dg.DagsterInstance, context: WorkspaceProcessContext) -> None:
        self.instance, self._context, self._ticks = instance, context, 0

    def tick(self) -> None:
        """Evaluate every running sensor once, as a daemon pass 31 s after the previous one would, at the
        pipeline's clock (shifted under `make test-at`), so that the partitions the sensor sees are the
        test's."""
        self._ticks += 1
        with freeze_time(clock.timestamp() + 31 * self._ticks):
            list(execute_sensor_iteration(self._context, logging.getLogger("test-daemon"), None, None))

    def push_ticks(self) -> list:
        """Every tick of `webhook_events_sensor`, newest first."""
        [state] = [
            s
            for s in self.instance.all_instigator_state()
            if s.origin.instigator_name == "webhook_events_sensor"
        ]
        return self.instance.get_ticks(state.instigator_origin_id, state.selector_id)

    def runs(self) -> list[dg.DagsterRun]:
        """Every run of the instance, oldest first."""
        return list(reversed(self.instance.get_runs()))


@pytest.fixture
def daemon(pipeline) -> Iterator[Daemon]:
    target = InProcessWorkspaceLoadTarget(
        InProcessCodeLocationOrigin(LoadableTargetOrigin(module_name="shopee_pipeline.definitions"))
    )
    with dagster_test_instance(overrides=QUEUED) as instance:
        instance.add_dynamic_partitions("shops", [str(s) for s in pipeline.sandbox.shop_ids])
        with WorkspaceProcessContext(instance, target) as context:
            yield Daemon(instance, context)


def _push(pipeline, shop: int, code: int, data: dict) -> None:
    payload = {"shop_id": shop, "code": code, "timestamp": int(pipeline.sandbox.now()), "data": data}
    with pipeline.warehouse.begin() as conn:
        insert_event(conn, dedupe_key=json.dumps(payload), code=code, payload=payload, shop_id=shop)


def _stamp(pipeline, day: date) -> int:
    """A Unix time at noon of `day` in the pipeline's timezone."""
    return int(datetime.combine(day, day_time(12), pipeline.settings.timezone).timestamp())


def _events(pipeline) -> list:
    c = tables.webhook_events.c
    with pipeline.warehouse.connect() as conn:
        return list(
            conn.execute(select(c.event_id, c.run_key, c.processed_at, c.outcome).order_by(c.event_id))
        )


def assert_nothing_processed_without_a_run(pipeline, daemon: Daemon) -> None:
    """Every processed push names a run that exists in the instance and synced it."""
    runs = {run.run_id: run for run in daemon.runs()}
    for event in _events(pipeline):
        if event.processed_at is None:
            continue
        run_id = event.outcome.removeprefix("synced by run ").split(" ")[0]
        assert run_id in runs, event
        assert runs[run_id].tags["dagster/run_key"] == event.run_key


def _sandbox_day(pipeline) -> date:
    return datetime.fromtimestamp(pipeline.sandbox.now(), pipeline.settings.timezone).date()


def test_one_shops_pushes_of_a_tick_make_one_run_confirmed_on_the_next_tick(pipeline, daemon) -> None:
    shop, other = pipeline.sandbox.shop_ids[:2]
    day = _sandbox_day(pipeline)
    _push(pipeline, shop, 3, {"ordersn": "A1", "status": "PROCESSED", "update_time": _stamp(pipeline, day)})
    _push(pipeline, shop, 4, {"ordersn": "A2", "update_time": _stamp(pipeline, day - timedelta(days=2))})
    _push(pipeline, shop, 23, {"booking_sn": "B1", "update_time": _stamp(pipeline, day)})
    _push(pipeline, other, 4, {"ordersn": "C1", "update_time": _stamp(pipeline, day)})
    daemon.tick()
    runs = daemon.runs()
    assert len(runs) == 2
    [mine] = [r for r in runs if r.tags["shopee/shop"] == str(shop)]
    assert mine.tags[RANGE_START] == f"{day - timedelta(days=2)}|{shop}"
    assert mine.tags[RANGE_END] == f"{day}|{shop}"
    ops = mine.run_config["ops"]
    assert ops["shopee_orders"]["config"]["only"] == ["A1", "A2"] and ops["bookings"]["config"]["only"] == [
        "B1"
    ]
    pushed = {*ORDERS.asset_keys, *ESCROW.asset_keys, *BOOKINGS.asset_keys}  # no returns were pushed
    assert {k.to_user_string() for k in mine.asset_selection} == pushed
    [theirs] = [r for r in runs if r.tags["shopee/shop"] == str(other)]
    assert theirs.tags["dagster/partition"] == f"{day}|{other}"  # one day: one partition key
    assert all(e.processed_at is None and e.run_key for e in _events(pipeline))  # runs not confirmed yet

    daemon.tick()
    assert len(daemon.runs()) == 2
    assert all(e.processed_at is not None for e in _events(pipeline))
    assert_nothing_processed_without_a_run(pipeline, daemon)
    assert all(t.status in (TickStatus.SUCCESS, TickStatus.SKIPPED) for t in daemon.push_ticks())


def test_a_shops_new_pushes_wait_while_its_push_run_is_queued(pipeline, daemon) -> None:
    """Push runs coalesce per shop: while a shop's run is still queued, its new pushes are not given a
    second run; once that run has started, they get one run together."""
    shop = pipeline.sandbox.shop_ids[0]
    day = _sandbox_day(pipeline)
    _push(pipeline, shop, 3, {"ordersn": "A1", "status": "PROCESSED", "update_time": _stamp(pipeline, day)})
    daemon.tick()
    [first] = daemon.runs()
    assert first.status == dg.DagsterRunStatus.QUEUED
    _push(pipeline, shop, 3, {"ordersn": "A2", "status": "PROCESSED", "update_time": _stamp(pipeline, day)})
    _push(pipeline, shop, 4, {"ordersn": "A3", "update_time": _stamp(pipeline, day)})
    daemon.tick()
    assert len(daemon.runs()) == 1  # held: the queued run would only be followed by a second one
    assert [e.run_key is None for e in _events(pipeline)] == [False, True, True]

    started = DagsterEvent(DagsterEventType.RUN_START.value, job_name=first.job_name)
    daemon.instance.report_dagster_event(started, run_id=first.run_id)
    daemon.tick()
    runs = daemon.runs()
    assert len(runs) == 2 and runs[1].run_config["ops"]["shopee_orders"]["config"]["only"] == ["A2", "A3"]
    daemon.tick()
    assert all(e.processed_at is not None for e in _events(pipeline))
    assert_nothing_processed_without_a_run(pipeline, daemon)


def test_a_push_after_the_last_partition_is_clamped_and_the_tick_succeeds(pipeline, daemon) -> None:
    shop = pipeline.sandbox.shop_ids[0]
    last = date.fromisoformat(daily_partitions.get_last_partition_key())
    _push(
        pipeline,
        shop,
        3,
        {"ordersn": "F1", "status": "SHIPPED", "update_time": _stamp(pipeline, last + timedelta(days=3))},
    )
    daemon.tick()
    [tick] = daemon.push_ticks()
    assert tick.status == TickStatus.SUCCESS, tick.error
    [run] = daemon.runs()
    assert run.tags["dagster/partition"].endswith(f"|{shop}")
    assert date.fromisoformat(run.tags["dagster/partition"].split("|")[0]) >= last
    daemon.tick()
    assert_nothing_processed_without_a_run(pipeline, daemon)
    assert all(e.processed_at is not None for e in _events(pipeline))


def _fail_after_assignment(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("the tick dies after the events were given to their runs")

    monkeypatch.setattr(sensors, "_run_request", broken)


def _unclamped(monkeypatch) -> None:
    # The old behaviour: the pushed day taken as it is, which Dagster rejects (unknown partition).
    monkeypatch.setattr(sensors, "_existing_day", lambda daily, day: (day, False))


@pytest.mark.parametrize("failure", [_fail_after_assignment, _unclamped])
def test_a_tick_that_fails_after_planning_loses_nothing(pipeline, daemon, monkeypatch, failure) -> None:
    shop, other = pipeline.sandbox.shop_ids[:2]
    ahead = date.fromisoformat(daily_partitions.get_last_partition_key()) + timedelta(days=2)
    _push(pipeline, shop, 3, {"ordersn": "G1", "status": "SHIPPED", "update_time": _stamp(pipeline, ahead)})
    _push(pipeline, other, 3, {"ordersn": "G2", "status": "SHIPPED", "update_time": _stamp(pipeline, ahead)})
    with monkeypatch.context() as patched:
        failure(patched)
        daemon.tick()
    [failed] = daemon.push_ticks()
    assert failed.status == TickStatus.FAILURE
    assert daemon.runs() == []
    assert all(e.processed_at is None and e.run_key for e in _events(pipeline))  # nothing lost

    daemon.tick()
    daemon.tick()
    runs = daemon.runs()
    assert sorted(r.tags["shopee/shop"] for r in runs) == sorted([str(shop), str(other)])  # each once
    assert all(e.processed_at is not None for e in _events(pipeline))
    assert_nothing_processed_without_a_run(pipeline, daemon)


def test_a_re_evaluated_tick_does_not_launch_twice(pipeline, daemon, monkeypatch) -> None:
    shop = pipeline.sandbox.shop_ids[2]
    _push(
        pipeline, shop, 3, {"ordersn": "H1", "status": "SHIPPED", "update_time": int(pipeline.sandbox.now())}
    )
    daemon.tick()
    [run] = daemon.runs()
    with monkeypatch.context() as patched:  # the next tick does not see the run: it requests it again
        patched.setattr(sensors, "existing_run", lambda instance, run_key: None)
        daemon.tick()
    assert [r.run_id for r in daemon.runs()] == [run.run_id]
    assert all(e.processed_at is None for e in _events(pipeline))
    daemon.tick()
    assert [r.run_id for r in daemon.runs()] == [run.run_id]
    [event] = _events(pipeline)
    assert event.outcome == f"synced by run {run.run_id} ({event.run_key})"
    assert_nothing_processed_without_a_run(pipeline, daemon)


def test_a_push_before_the_first_partition_is_clamped_to_it(pipeline) -> None:
    first = date.fromisoformat(daily_partitions.get_first_partition_key())
    assert sensors._existing_day(daily_partitions, first - timedelta(days=400)) == (first, True)
    assert sensors._existing_day(daily_partitions, first) == (first, False)
