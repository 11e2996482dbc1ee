"""Waiting on a live daemon's scheduler, shared by the soak and the cluster test: until it has taken up
the auto-sync schedule, and until a given tick has submitted its runs. Each waits on a condition with a
generous timeout, never on a stretch of the clock."""

from __future__ import annotations

import time

import dagster as dg
from dagster._core.scheduler.instigation import TickStatus

from shopee_pipeline_tests.integration.soak_helpers.stack import LiveStack

SCHEDULE = "auto_sync_every_15_minutes"


def schedule_ticks(instance: dg.DagsterInstance) -> list:
    """The ticks of the auto-sync schedule, newest first."""
    return [
        tick
        for state in instance.all_instigator_state()
        if state.instigator_name == SCHEDULE
        for tick in instance.get_ticks(state.instigator_origin_id, state.selector_id)
    ]


def wait_for_schedule_state(instance: dg.DagsterInstance, stack: LiveStack, timeout_s: float) -> None:
    """Until the daemon has taken up the schedule (its state stored): from then on it fires every tick
    its clock passes, even one it reaches late."""
    deadline = time.monotonic() + timeout_s
    while not any(s.instigator_name == SCHEDULE for s in instance.all_instigator_state()):
        assert time.monotonic() < deadline, (
            f"the daemon never took up {SCHEDULE}:\n{stack.log_tail('daemon')}"
        )
        time.sleep(0.5)


def wait_for_tick_runs(
    instance: dg.DagsterInstance, stack: LiveStack, tick_at: float, runs: int, timeout_s: float
) -> list[str]:
    """The run ids of the schedule's tick at `tick_at` (Unix seconds of the stack's clock), once it has
    submitted `runs` runs."""
    deadline = time.monotonic() + timeout_s
    while True:
        tick = next((t for t in schedule_ticks(instance) if t.timestamp == tick_at), None)
        if tick is not None and len(tick.run_ids) >= runs:
            return list(tick.run_ids)
        assert tick is None or tick.status != TickStatus.FAILURE, (
            f"the tick at {tick_at} failed: {tick.error}"
        )
        assert time.monotonic() < deadline, (
            f"no tick at {tick_at} with {runs} runs ({tick and tick.status}):\n{stack.log_tail('daemon')}"
        )
        time.sleep(0.3)
