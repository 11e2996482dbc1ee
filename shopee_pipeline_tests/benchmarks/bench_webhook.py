"""Benchmark of the webhook receiver: signed, distinct pushes from 8 client threads for about 10 s.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_webhook`. Starts a throwaway embedded Postgres,
migrates a schema, runs the receiver (`serve`, as the CLI does) in a subprocess under uvicorn on loopback,
and prints one JSON line with pushes per second and latency percentiles. Every push is checked to be
answered 200 and stored.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import Engine, text

from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline.warehouse.embedded import embedded_database_url, release_embedded_server
from shopee_pipeline.warehouse.migrate import upgrade
from shopee_pipeline.webhook.signature import push_signature
from shopee_pipeline_tests.receiver_process import receiver_process

CLIENTS = 8
DURATION_S = float(os.environ.get("BENCH_WEBHOOK_SECONDS", "10"))
MAX_PUSHES = 50_000
KEY = "bench-push-key"
SCHEMA = "bench_webhook"

_BUDGET_LOCK = threading.Lock()


def _client(
    base: str, callback: str, worker: int, stop_at: float, budget: list[int], out: list[float]
) -> None:
    session = requests.Session()
    n = 0
    while time.monotonic() < stop_at:
        with _BUDGET_LOCK:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        n += 1
        body = json.dumps(
            {
                "msg_id": f"bench-{worker}-{n}-{uuid.uuid4().hex[:8]}",
                "shop_id": 1000 + worker,
                "code": 3,
                "timestamp": int(time.time()),
                "data": {"ordersn": f"BENCH{worker:02d}{n:08d}", "status": "READY_TO_SHIP", "update_time": 1},
            },
            separators=(",", ":"),
        ).encode()
        headers = {"Authorization": push_signature(KEY, callback, body), "Content-Type": "application/json"}
        started = time.perf_counter()
        response = session.post(f"{base}/api/webhook", data=body, headers=headers, timeout=10)
        out.append(time.perf_counter() - started)
        if response.status_code != 200 or response.content:
            raise RuntimeError(f"push answered {response.status_code}")


def main() -> None:
    """Run the benchmark and print its JSON line."""
    data_dir = Path(tempfile.mkdtemp(prefix="spt-", dir="/tmp"))
    try:
        url = embedded_database_url(data_dir)
        engine = create_warehouse_engine(url)
        upgrade(engine, SCHEMA)
        with receiver_process(url, SCHEMA, KEY) as base:
            _measure(engine, base)
        engine.dispose()
    finally:
        release_embedded_server(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def _measure(engine: Engine, base: str) -> None:
    """Push from `CLIENTS` threads for `DURATION_S`, check every push was stored, print the JSON line."""
    callback = f"{base}/api/webhook"
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    budget = [MAX_PUSHES]
    stop_at = time.monotonic() + DURATION_S
    threads = [
        threading.Thread(target=_client, args=(base, callback, i, stop_at, budget, latencies[i]))
        for i in range(CLIENTS)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    all_ms = sorted(x * 1000 for part in latencies for x in part)
    with engine.connect() as conn:
        stored = conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.webhook_events")).scalar_one()
    if stored != len(all_ms):
        raise RuntimeError(f"{len(all_ms)} pushes answered 200 but {stored} rows stored")
    quantiles = statistics.quantiles(all_ms, n=100)
    print(
        json.dumps(
            {
                "benchmark": "webhook_receiver",
                "pushes_per_second": round(len(all_ms) / elapsed, 1),
                "p50_ms": round(quantiles[49], 2),
                "p95_ms": round(quantiles[94], 2),
                "clients": CLIENTS,
                "pushes": len(all_ms),
                "seconds": round(elapsed, 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
