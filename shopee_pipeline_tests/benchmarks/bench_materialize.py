"""Where a `dagster asset materialize` process's time goes, for an empty partition and for one shop x
2,000 changed orders at 30 ms per call: the contract's own command, as a user or CI runs it.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_materialize`. The stack is `bench_full_day`'s
(throwaway embedded Postgres, sandbox in its own process, its clock frozen at 23:59 yesterday in Jakarta).
Each measured process is split with the run's own event timestamps: process start to RUN_START (interpreter,
imports, loading the code location, creating the run), each step from STEP_START to STEP_SUCCESS, the gaps
between steps, and RUN_SUCCESS to the process's exit (shutdown). Prints one JSON line per case.
`BENCH_MATERIALIZE_ORDERS` scales the busy case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from shopee_pipeline_tests.benchmarks.bench_full_day import frozen_day_sandbox, pipeline_harness

ORDERS = int(os.environ.get("BENCH_MATERIALIZE_ORDERS", "2000"))
SELECTION = "orders,order_items,logistics,escrow,bookings,returns"


def materialize(partition: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """The contract's command for one partition, in its own process; `(start, end, completed)` as Unix
    times around it."""
    command = [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "shopee_pipeline.definitions"]
    command += ["--select", SELECTION, "--partition", partition]
    started = time.time()
    completed = subprocess.run(command, env=os.environ.copy(), capture_output=True, text=True)
    return started, time.time(), completed


def decomposition(started: float, ended: float) -> dict[str, Any]:
    """The latest run's phases, from its event log, framed by the process's own start and end."""
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        [run] = instance.get_runs(limit=1)
        records = instance.all_logs(run.run_id)
    kinds = dg.DagsterEventType
    run_kinds = {
        kinds.RUN_START: "RUN_START",
        kinds.RUN_SUCCESS: "RUN_SUCCESS",
        kinds.RUN_FAILURE: "RUN_FAILURE",
    }
    step_kinds = {
        kinds.STEP_START: "STEP_START",
        kinds.STEP_SUCCESS: "STEP_SUCCESS",
        kinds.STEP_FAILURE: "STEP_FAILURE",
    }
    stamps: dict[str, float] = {}
    steps: dict[str, dict[str, float]] = {}
    for record in records:
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type in run_kinds:
            stamps[run_kinds[event.event_type]] = record.timestamp
        elif event.event_type in step_kinds and event.step_key:
            steps.setdefault(event.step_key, {})[step_kinds[event.event_type]] = record.timestamp
    run_start = stamps.get("RUN_START", started)
    run_end = stamps.get("RUN_SUCCESS", stamps.get("RUN_FAILURE", ended))
    step_seconds = {
        key: round(times.get("STEP_SUCCESS", times.get("STEP_FAILURE", run_end)) - times["STEP_START"], 2)
        for key, times in sorted(steps.items(), key=lambda kv: kv[1].get("STEP_START", 0))
        if "STEP_START" in times
    }
    in_steps = sum(step_seconds.values())
    return {
        "process_s": round(ended - started, 2),
        "start_to_run_start_s": round(run_start - started, 2),
        "steps_s": step_seconds,
        "between_steps_s": round((run_end - run_start) - in_steps, 2),
        "run_success_to_exit_s": round(ended - run_end, 2),
    }


def main() -> None:

    with pipeline_harness(frozen_day_sandbox(1, ORDERS)) as harness:
        shop = harness.sandbox.shop_ids[0]
        day = datetime.fromtimestamp(harness.sandbox.now(), harness.settings.timezone).date()
        cases = {"empty_partition": day - timedelta(days=5), "one_shop_changed_orders": day}
        for case, partition_day in cases.items():
            harness.sandbox.reset_call_counts()
            started, ended, completed = materialize(f"{partition_day}|{shop}")
            if completed.returncode != 0:
                print(completed.stderr[-4000:], flush=True)
            figures = decomposition(started, ended)
            orders = ORDERS if case == "one_shop_changed_orders" else 0
            print(
                json.dumps(
                    {
                        "benchmark": "materialize",
                        "case": case,
                        "success": completed.returncode == 0,
                        "orders": orders,
                        "orders_per_s": round(orders / figures["process_s"], 1) if orders else None,
                        "api_calls": harness.sandbox.call_counts().get("total", 0),
                        **figures,
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
