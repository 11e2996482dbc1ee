"""Benchmark of JSON-to-rows normalisation alone: the library path, without Dagster, HTTP or Postgres.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_normalize`. Builds the sandbox's world in-process
(one shop, `BENCH_NORMALIZE_ORDERS_PER_DAY` orders a day, default 2,000), renders the `get_order_detail`
object of every order updated on the pinned day until 15:00 in Jakarta (about 3,600 at the default), then
times `normalize_orders` over all of them, best of three. Prints one JSON
line: orders and rows per second. Never asserts on speed.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

ORDERS_PER_DAY = int(os.environ.get("BENCH_NORMALIZE_ORDERS_PER_DAY", "2000"))
ROUNDS = 3


def main() -> None:
    from shopee_pipeline.normalize.orders import normalize_orders
    from shopee_pipeline.sandbox import SandboxConfig
    from shopee_pipeline.sandbox.clock import SimClock
    from shopee_pipeline.sandbox.world import World
    from shopee_pipeline_tests.pinned_clock import SANDBOX_START

    config = SandboxConfig(
        shops=1, seed=2027, orders_per_shop_per_day=ORDERS_PER_DAY, start_time=SANDBOX_START
    )
    world = World(config, SimClock(SANDBOX_START))
    shop_id = world.shop_ids[0]
    pinned = datetime.fromtimestamp(SANDBOX_START, ZoneInfo("Asia/Jakarta"))
    day_start = int(pinned.replace(hour=0, minute=0, second=0).timestamp())
    order_sns = world.orders_updated_between(shop_id, day_start, SANDBOX_START)
    details = [world.order_detail(shop_id, sn) for sn in order_sns]

    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        rows = normalize_orders(shop_id, details)
        best = min(best, time.perf_counter() - started)
    row_count = len(rows.orders) + len(rows.order_items) + len(rows.logistics)
    print(
        json.dumps(
            {
                "benchmark": "normalize",
                "orders": len(details),
                "rows": row_count,
                "best_of": ROUNDS,
                "seconds": round(best, 3),
                "orders_per_s": round(len(details) / best),
                "rows_per_s": round(row_count / best),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
