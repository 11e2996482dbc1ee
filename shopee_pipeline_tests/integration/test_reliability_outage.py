"""Database outage: Postgres stops while a sync runs. The run retries, and either completes once the
database is back or fails clearly (naming the lost connection) with nothing half-written; the webhook
receiver answers 503 meanwhile and recovers by itself; re-running the partition completes the sync.

The outage hits a separate embedded server in its own folder, so no other test notices it. The steps'
retry policy (30 s exponential in production) is scaled down to 1 s so the test sees its whole course:
retries after 1, 3 and 7 s. A 6-second outage is outlived by the retries (the run succeeds); the `slow`
30-second one outlasts them (the run fails, and a re-run succeeds).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import requests
from sqlalchemy import text

from shopee_pipeline.definitions import defs
from shopee_pipeline.run_tags import RANGE_END, RANGE_START
from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline.settings import get_settings
from shopee_pipeline.sync.windows import day_bounds
from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline.warehouse.embedded import embedded_database_url, release_embedded_server
from shopee_pipeline.warehouse.migrate import upgrade
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.webhook import create_app, push_signature
from shopee_pipeline.webhook.server import background_server
from shopee_pipeline_tests.conftest import dagster_test_instance
from shopee_pipeline_tests.pinned_clock import SANDBOX_START, sandbox_day

SCHEMA = "shopee"
KEY = "push-key-during-the-outage"
CALLBACK = "https://receiver.example.com/api/webhook"
SCALED_RETRY = dg.RetryPolicy(max_retries=3, delay=1, backoff=dg.Backoff.EXPONENTIAL)

# `orders` and `escrow` are one multi-asset (`shopee_orders`).
shopee_orders, bookings = (defs.get_assets_def(key) for key in ("orders", "bookings"))


@pytest.fixture
def outage_dir() -> Iterator[Path]:
    """A folder for a separate embedded Postgres, stopped and removed afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix="spo-", dir="/tmp"))
    try:
        yield data_dir
    finally:
        release_embedded_server(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def _push(url: str, n: int) -> int:
    body = json.dumps(
        {"msg_id": f"outage-{n}", "shop_id": 1, "code": 3, "data": {"ordersn": str(n)}}
    ).encode()
    headers = {"Authorization": push_signature(KEY, CALLBACK, body)}
    return requests.post(f"{url}/api/webhook", data=body, headers=headers, timeout=10).status_code


@pytest.mark.parametrize(("outage_seconds", "run_survives"), [(6, True), (30, False)])
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_postgres_down_during_a_run(
    monkeypatch, outage_dir: Path, outage_seconds: int, run_survives: bool
) -> None:
    from shopee_pipeline.onboarding import connect_shop

    for asset in (shopee_orders, bookings):
        monkeypatch.setattr(asset.op, "_retry_policy", SCALED_RETRY)

    url = embedded_database_url(outage_dir)
    engine = create_warehouse_engine(url)
    upgrade(engine, SCHEMA)
    warehouse = Warehouse(engine, SCHEMA)
    sandbox = start_sandbox(
        SandboxConfig(shops=3, seed=21, orders_per_shop_per_day=120, latency_ms=20, start_time=SANDBOX_START)
    )
    try:
        for name, value in {
            "DATABASE_URL": url,
            "SHOPEE_DB_SCHEMA": SCHEMA,
            "SHOPEE_PARTNER_ID": str(sandbox.partner_id),
            "SHOPEE_PARTNER_KEY": sandbox.partner_key,
            "SHOPEE_API_BASE_URL": sandbox.url,
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        settings = get_settings()
        for shop in sandbox.shop_ids:
            connect_shop(settings, warehouse, shop, sandbox.authorize(shop))
        day = sandbox_day(sandbox, settings.timezone)

        with (
            dagster_test_instance() as instance,
            background_server(create_app(warehouse, CALLBACK, KEY)) as hook,
        ):
            instance.add_dynamic_partitions("shops", [str(s) for s in sandbox.shop_ids])
            shops = instance.get_dynamic_partitions("shops")
            tags = {RANGE_START: f"{day}|{shops[0]}", RANGE_END: f"{day}|{shops[-1]}"}
            job = defs.resolve_job_def("sync_shopee")
            assert _push(hook, 0) == 200

            outcome: dict[str, dg.ExecuteInProcessResult] = {}
            run = threading.Thread(
                target=lambda: outcome.setdefault(
                    "result",
                    job.execute_in_process(instance=instance, tags=tags, raise_on_error=False),
                )
            )
            run.start()
            deadline = time.monotonic() + 60
            while not sandbox.call_counts().get("/api/v2/order/get_order_list"):
                assert time.monotonic() < deadline, "the run never reached Shopee"
                time.sleep(0.01)
            release_embedded_server(outage_dir)  # Postgres stops: the run is fetching, its writes are ahead
            stopped = time.monotonic()

            during: list[int] = []
            n = 1
            while time.monotonic() - stopped < outage_seconds:
                during.append(_push(hook, n))
                n += 1
                time.sleep(0.25)
            health_during = requests.get(f"{hook}/healthz", timeout=10).status_code
            embedded_database_url(outage_dir)  # back up, same socket
            restarted = time.monotonic()
            while (status := _push(hook, n)) != 200:
                assert time.monotonic() - restarted < 60, f"the receiver still answers {status}"
                time.sleep(0.1)
            recovered_in = time.monotonic() - restarted
            assert requests.get(f"{hook}/healthz", timeout=10).status_code == 200
            run.join(timeout=400)  # a condition, not a measure: generous for a busy machine
            assert not run.is_alive(), "the run did not end"

            result = outcome["result"]
            retried = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
            assert retried, "the failed step was not retried"
            if run_survives:
                assert result.success
            else:
                assert not result.success
                failures = [e for e in result.all_events if e.is_step_failure]
                message = str(failures[0].step_failure_data.error)
                assert "OperationalError" in message and "connect" in message

            print(
                f"\nPostgres down {outage_seconds} s: run {'ok' if result.success else 'failed'} after "
                f"{len(retried)} step retries; {len(during)} pushes answered {sorted(set(during))}, "
                f"receiver back {recovered_in:.2f} s after the restart"
            )
            assert during and set(during) == {503} and health_during == 503

            # Nothing half-written: every stored order has all its item lines.
            start, end = day_bounds(day, settings.timezone)
            with warehouse.connect() as conn:
                lines = dict(
                    conn.execute(
                        text(
                            f"SELECT o.order_sn, count(i.order_sn) FROM {SCHEMA}.orders o "
                            f"LEFT JOIN {SCHEMA}.order_items i USING (order_sn) GROUP BY o.order_sn"
                        )
                    ).all()
                )
            for shop in sandbox.shop_ids:
                for sn in sandbox.world.orders_updated_between(
                    shop, int(start.timestamp()), int(end.timestamp()) - 1
                ):
                    if sn in lines:
                        assert lines[sn] == len(sandbox.world.order_detail(shop, sn)["item_list"])

            again = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False)
            assert again.success
            with warehouse.connect() as conn:
                stored = set(conn.execute(text(f"SELECT order_sn FROM {SCHEMA}.orders")).scalars())
                events = conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.webhook_events")).scalar_one()
            truth = {
                sn
                for shop in sandbox.shop_ids
                for sn in sandbox.world.orders_updated_between(
                    shop, int(start.timestamp()), int(end.timestamp()) - 1
                )
            }
            assert stored == truth
            assert events == 2  # the push before the outage and the first one after it
    finally:
        sandbox.stop()
        engine.dispose()
        get_settings.cache_clear()
