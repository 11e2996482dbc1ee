"""Benchmark of push-to-row latency: from a stored order push to the `orders` row showing it, with
`webhook_events_sensor` evaluated at its own interval (SHOPEE_PUSH_SENSOR_SECONDS, 10 s) and its runs
executed in this process (a run worker's own start, about 1.7 s in `bench_materialize`, comes on top); and of
push-to-visible-status latency, which the receiver's quick status update serves without the sensor.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_push_latency`. Starts the stack of `bench_full_day`
(embedded Postgres, a sandbox in its own process, every shop connected) with the webhook receiver
(`create_app` under `background_server`) in a thread of this process as the sandbox's `push_url`. For
`BENCH_PUSH_SECONDS` (default 150) of real time, a driver thread moves the sandbox clock on by
`STEP_SIM_S` every `STEP_REAL_S`, so a handful of orders change and the sandbox sends signed pushes;
at each interval the main thread evaluates the sensor and executes each RunRequest in-process. A poller thread
notes, every `POLL_S`, the first moment (database clock) each code-3 push's order row carries its version:
in its full detail (`raw.update_time`, written by the sync: `p50_s`, `p95_s`, `max_s`) and in its status
columns (`update_time`, moved by the quick status update as the push is stored: `visible_status_*`);
latency = that moment - `webhook_events.received_at`, so the visible-status figure resolves to `POLL_S`;
it counts the pushes of orders already stored (a new order first appears with its full detail).
After the loop the clock stops and one more tick serves the pushes still pending. Prints one
JSON line. Never asserts on speed.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from datetime import datetime
from typing import Any

import requests
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from shopee_pipeline.settings import get_settings
from shopee_pipeline_tests.benchmarks.bench_full_day import SCHEMA, pipeline_harness

DURATION_S = float(os.environ.get("BENCH_PUSH_SECONDS", "150"))
SHOPS = int(os.environ.get("BENCH_PUSH_SHOPS", "3"))
ORDERS_PER_SHOP = int(os.environ.get("BENCH_PUSH_ORDERS", "2000"))
SENSOR_INTERVAL_S = float(get_settings().push_sensor_seconds)  # the sensor's own interval
STEP_REAL_S = 5.0
STEP_SIM_S = 30
POLL_S = 0.2
MAX_RUNS = 200
PARTNER_KEY = "bench-push-partner-key"
RUN_KEY_TAG = "dagster/run_key"


class DeferredApp:
    """An ASGI app whose inner app is set later: the receiver must listen (its URL is the sandbox's
    `push_url`) before the warehouse it stores into exists. Answers 503 until then."""

    def __init__(self) -> None:
        self.inner: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.inner is not None:
            await self.inner(scope, receive, send)
        elif scope["type"] == "http":
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})


_LATENCY_SQL = f"""
SELECT e.event_id, extract(epoch FROM clock_timestamp() - e.received_at)
FROM {SCHEMA}.webhook_events e
JOIN {SCHEMA}.orders o ON o.order_sn = e.payload -> 'data' ->> 'ordersn'
WHERE e.code = 3
  AND NOT (e.event_id = ANY(CAST(:seen AS bigint[])))
  AND {{row_version}} >= (e.payload -> 'data' ->> 'update_time')::bigint
"""
# Where a row shows a push's version: in the full detail the sync wrote, or in its status columns.
FULL_ROW_SQL = _LATENCY_SQL.format(row_version="(o.raw ->> 'update_time')::bigint")
VISIBLE_STATUS_SQL = _LATENCY_SQL.format(row_version="extract(epoch FROM o.update_time)")
# Whether a push's order was stored when the poller first saw the push: only such a row can take the
# quick status update (a new order appears with its full detail, through the sync).
KNOWN_ORDER_SQL = f"""
SELECT e.event_id, o.order_sn IS NOT NULL
FROM {SCHEMA}.webhook_events e
LEFT JOIN {SCHEMA}.orders o ON o.order_sn = e.payload -> 'data' ->> 'ordersn'
WHERE e.code = 3 AND NOT (e.event_id = ANY(CAST(:seen AS bigint[])))
"""


def _poll(
    engine: Any, stop: threading.Event, latencies: dict[str, dict[int, float]], known: dict[int, bool]
) -> None:
    """Every POLL_S, record the latency of each push whose order row now shows its version, per query
    (`latencies[sql]`), and whether each new push's order was already stored (`known`)."""
    while not stop.is_set():
        with engine.connect() as conn:
            for event_id, stored in conn.execute(text(KNOWN_ORDER_SQL), {"seen": list(known)}):
                known[int(event_id)] = bool(stored)
            for sql, seen in latencies.items():
                for event_id, seconds in conn.execute(text(sql), {"seen": list(seen)}):
                    seen[int(event_id)] = float(seconds)
        stop.wait(POLL_S)


def _quantiles(latencies: dict[int, float]) -> dict[str, Any]:
    """p50, p95 and max of `latencies` in seconds (None when nothing was measured)."""
    values = sorted(latencies.values())
    quantiles = statistics.quantiles(values, n=100) if len(values) >= 2 else values * 99
    return {
        "p50_s": round(quantiles[49], 2) if values else None,
        "p95_s": round(quantiles[94], 2) if values else None,
        "max_s": round(values[-1], 2) if values else None,
    }


def _drive(sandbox_url: str, stop: threading.Event, advanced: list[int]) -> None:
    """Every STEP_REAL_S, move the sandbox clock by STEP_SIM_S (it pushes the changes it passed)."""
    session = requests.Session()
    while not stop.wait(STEP_REAL_S):
        session.post(f"{sandbox_url}/_sandbox/advance", json={"seconds": STEP_SIM_S}, timeout=120)
        advanced[0] += STEP_SIM_S


def _tick(instance: Any, cursor: str | None, launched: set[str]) -> tuple[str | None, int, int]:
    """Evaluate the sensor once and execute its runs in-process, each run key once and tagged with it as
    the daemon does (the sensor confirms its events by that tag); return (cursor, runs, failed runs)."""
    import dagster as dg

    from shopee_pipeline.definitions import defs
    from shopee_pipeline.defs.resources import WarehouseResource

    with dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"warehouse": WarehouseResource()}
    ) as context:
        result = defs.get_sensor_def("webhook_events_sensor")(context)
    if not isinstance(result, dg.SensorResult):
        return cursor, 0, 0
    job = defs.resolve_job_def("sync_shopee")
    runs = failed = 0
    for request in result.run_requests or []:
        if request.run_key in launched:
            continue
        launched.add(request.run_key)
        executed = job.execute_in_process(
            partition_key=request.partition_key,
            run_config=request.run_config,
            asset_selection=list(request.asset_selection or []),
            instance=instance,
            tags={**request.tags, RUN_KEY_TAG: request.run_key},
            raise_on_error=False,
        )
        runs += 1
        failed += 0 if executed.success else 1
    return result.cursor or cursor, runs, failed


def _push_count(engine: Any) -> tuple[int, int]:
    with engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT count(*) FILTER (WHERE code = 3), count(*) FROM {SCHEMA}.webhook_events")
        ).one()
    return int(row[0]), int(row[1])


def main() -> None:
    """Run the loop and print the JSON line."""
    import dagster as dg

    from shopee_pipeline.launcher import materialize_range, partitions_range
    from shopee_pipeline.sandbox import SandboxConfig
    from shopee_pipeline.webhook import create_app
    from shopee_pipeline.webhook.app import WEBHOOK_PATH
    from shopee_pipeline.webhook.server import background_server

    deferred = DeferredApp()
    with background_server(Starlette(routes=[Mount("/", app=deferred)])) as receiver_url:
        push_url = f"{receiver_url}{WEBHOOK_PATH}"
        config = SandboxConfig(
            shops=SHOPS,
            seed=2026,
            orders_per_shop_per_day=ORDERS_PER_SHOP,
            history_days=1,
            latency_ms=30,
            partner_key=PARTNER_KEY,
            push_url=push_url,
        )
        with pipeline_harness(config) as harness:
            # The day so far, synced first: a shop's warehouse holds its orders when their pushes come.
            day = datetime.fromtimestamp(harness.sandbox.now(), harness.settings.timezone).date()
            materialize_range(partitions_range(day, day))
            deferred.inner = create_app(harness.warehouse, push_url, harness.sandbox.partner_key)
            engine = harness.warehouse.engine
            instance = dg.DagsterInstance.get()
            stop_drive, stop_poll = threading.Event(), threading.Event()
            latencies: dict[str, dict[int, float]] = {FULL_ROW_SQL: {}, VISIBLE_STATUS_SQL: {}}
            advanced = [0]
            driver = threading.Thread(target=_drive, args=(harness.sandbox.url, stop_drive, advanced))
            known: dict[int, bool] = {}
            poller = threading.Thread(target=_poll, args=(engine, stop_poll, latencies, known))
            cursor: str | None = None
            runs = failed = ticks = 0
            launched: set[str] = set()
            started = time.monotonic()
            driver.start()
            poller.start()
            try:
                next_tick = started + SENSOR_INTERVAL_S
                while runs < MAX_RUNS:
                    if time.monotonic() >= started + DURATION_S and not stop_drive.is_set():
                        stop_drive.set()
                        driver.join(timeout=150)
                    time.sleep(max(0.0, next_tick - time.monotonic()))
                    tick_started = time.monotonic()
                    cursor, n, bad = _tick(instance, cursor, launched)
                    ticks, runs, failed = ticks + 1, runs + n, failed + bad
                    next_tick = tick_started + SENSOR_INTERVAL_S
                    if stop_drive.is_set():
                        break  # the tick after the clock stopped served what was still pending
                time.sleep(2 * POLL_S)
            finally:
                stop_drive.set()
                driver.join(timeout=150)
                stop_poll.set()
                poller.join(timeout=30)
                instance.dispose()
            elapsed = time.monotonic() - started
            order_pushes, all_pushes = _push_count(engine)
            full_row = latencies[FULL_ROW_SQL]
            visible = {e: s for e, s in latencies[VISIBLE_STATUS_SQL].items() if known.get(e)}
            print(
                json.dumps(
                    {
                        "benchmark": "push_latency",
                        "sensor_interval_s": int(SENSOR_INTERVAL_S),
                        "pushes": order_pushes,
                        "pushes_all_codes": all_pushes,
                        "measured": len(full_row),
                        **_quantiles(full_row),
                        "visible_status_measured": len(visible),
                        "pushes_of_new_orders": sum(1 for stored in known.values() if not stored),
                        **{f"visible_status_{k}": v for k, v in _quantiles(visible).items()},
                        "runs_launched": runs,
                        "runs_failed": failed,
                        "sensor_ticks": ticks,
                        "shops": SHOPS,
                        "orders_per_shop_per_day": ORDERS_PER_SHOP,
                        "sandbox_seconds_advanced": advanced[0],
                        "clock_step": {"sim_s": STEP_SIM_S, "every_real_s": STEP_REAL_S},
                        "poll_s": POLL_S,
                        "wall_s": round(elapsed, 1),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
