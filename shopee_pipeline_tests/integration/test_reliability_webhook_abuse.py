"""Webhook abuse: 1,000 forged pushes as fast as the machine sends them are all refused (401) and write
nothing, while genuine pushes sent meanwhile are still answered 200 and stored. How fast they are
answered is a figure of the machine, printed here and measured by `bench_webhook`, not asserted.

The receiver runs in a process of its own, as `shopee-pipeline webhook serve` runs it: inside the test
process it shared the interpreter with the 16 forging threads and the pauses of a long pytest session,
and a genuine push once waited 2.26 s on that, not on the receiver."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.webhook import push_signature
from shopee_pipeline_tests.receiver_process import receiver_process

KEY = "push-key-under-attack-0123456789"
CALLBACK = "https://receiver.example.com/api/webhook"
FORGED = 1000
SENDERS = 16


def _body(msg_id: str) -> bytes:
    push = {
        "msg_id": msg_id,
        "shop_id": 727720655,
        "code": 3,
        "timestamp": 1660123127,
        "data": {"ordersn": msg_id},
    }
    return json.dumps(push, separators=(",", ":")).encode()


def _count(warehouse: Warehouse) -> int:
    with warehouse.connect() as conn:
        return conn.execute(select(func.count()).select_from(tables.webhook_events)).scalar_one()


def test_forged_flood_is_refused_and_valid_pushes_still_answered(pg_url: str, warehouse: Warehouse) -> None:
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session

    with receiver_process(pg_url, warehouse.schema, KEY, CALLBACK) as url:
        endpoint = f"{url}/api/webhook"

        def forge(i: int) -> int:
            body = _body(f"forged-{i}")
            # Half unsigned-looking garbage, half well-formed signatures made with the wrong key.
            signature = push_signature("not-the-key", CALLBACK, body) if i % 2 else "0" * 64
            return (
                session()
                .post(endpoint, data=body, headers={"Authorization": signature}, timeout=10)
                .status_code
            )

        valid_latencies: list[float] = []
        valid_statuses: list[int] = []
        flood_done = threading.Event()

        def genuine() -> None:
            with requests.Session() as own:
                i = 0
                while not flood_done.is_set() and i < 200:
                    body = _body(f"valid-{i}")
                    started = time.monotonic()
                    response = own.post(
                        endpoint,
                        data=body,
                        headers={"Authorization": push_signature(KEY, CALLBACK, body)},
                        timeout=10,
                    )
                    valid_latencies.append(time.monotonic() - started)
                    valid_statuses.append(response.status_code)
                    i += 1
                    time.sleep(0.02)

        sender = threading.Thread(target=genuine)
        started = time.monotonic()
        sender.start()
        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            statuses = Counter(pool.map(forge, range(FORGED)))
        flood_seconds = time.monotonic() - started
        flood_done.set()
        sender.join(timeout=30)

    print(
        f"\n{FORGED} forged pushes in {flood_seconds:.2f} s ({FORGED / flood_seconds:.0f}/s); "
        f"{len(valid_latencies)} valid meanwhile, slowest answered in {max(valid_latencies):.3f} s"
    )
    assert statuses == Counter({401: FORGED})
    assert valid_statuses and set(valid_statuses) == {200}
    assert _count(warehouse) == len(valid_statuses)
