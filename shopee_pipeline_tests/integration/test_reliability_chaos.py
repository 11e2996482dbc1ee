"""Chaos: the Dagster sync of 5 shops under 20% injected faults (rate limits, `error_server`, HTTP 500,
dropped connections, 2-second stalls) while access tokens expire every 2 minutes of sandbox time leaves
exactly the warehouse of a fault-free run, row for row and value for value.

The sandbox clock runs 10x, so a token dies every 12 real seconds, sooner than the client expects (it
dates tokens by the wall clock): every expiry is a refusal that the client must absorb by refreshing and
retrying. The clock is also moved 2 minutes before the faulty run, so it starts with expired tokens.
The synced day lies 12 days back, where every order's life cycle has ended, so the moving clock changes
no row between the two runs. The test prints the calls retried and the time lost.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import dagster as dg
import pytest
from sqlalchemy import text

from shopee_pipeline.definitions import defs
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.run_tags import RANGE_END, RANGE_START
from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline.settings import get_settings
from shopee_pipeline.sync.streams import SYNCED_TABLES
from shopee_pipeline.sync.windows import day_bounds
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline_tests.conftest import connected_pipeline
from shopee_pipeline_tests.pinned_clock import SANDBOX_START, sandbox_day

DATA_TABLES = SYNCED_TABLES
FAULTS = ["rate_limit", "error_server", "http_500", "drop", "stall"]
DAYS_BACK = 12  # every order updated that day has reached its final status

# `orders` and `escrow` are one multi-asset (`shopee_orders`).
shopee_orders, bookings = (defs.get_assets_def(key) for key in ("orders", "bookings"))


# Retry bounds for a 20% fault rate: quick backoff, 10 attempts (the default 5 would give up on one call
# in ~3,000), and a token margin shorter than the 2-minute TTL.
CHAOS_SHOPEE = ShopeeResource(
    max_attempts=10,
    backoff_initial_seconds=0.1,
    backoff_max_seconds=2.0,
    read_timeout_seconds=10.0,
    refresh_margin_seconds=30.0,
)


@dataclass
class Chaos:
    """What a chaos test works with."""

    warehouse: Warehouse
    sandbox: object
    instance: dg.DagsterInstance
    day: str
    shops: list[str]


@pytest.fixture
def chaos(request, monkeypatch, pg_url: str, warehouse: Warehouse) -> Iterator[Chaos]:
    """A 5-shop sandbox (orders per shop per day from the test's parameter), clock at 10x, 2-minute
    tokens, shops connected, Dagster instance with their partitions."""

    config = SandboxConfig(
        shops=5,
        seed=3,
        orders_per_shop_per_day=request.param,
        history_days=DAYS_BACK + 12,
        access_token_ttl=120,
        clock_rate=10.0,
        start_time=SANDBOX_START,
    )
    with (
        start_sandbox(config) as sandbox,
        connected_pipeline(monkeypatch, pg_url, warehouse, sandbox) as connected,
    ):
        day = sandbox_day(sandbox, connected.settings.timezone) - timedelta(days=DAYS_BACK)
        instance = connected.instance
        yield Chaos(warehouse, sandbox, instance, str(day), instance.get_dynamic_partitions("shops"))


def _run(chaos: Chaos) -> tuple[dg.ExecuteInProcessResult, float]:
    started = time.monotonic()
    result = dg.materialize(
        [shopee_orders, bookings],
        instance=chaos.instance,
        resources={"warehouse": WarehouseResource(), "shopee": CHAOS_SHOPEE},
        tags={RANGE_START: f"{chaos.day}|{chaos.shops[0]}", RANGE_END: f"{chaos.day}|{chaos.shops[-1]}"},
        raise_on_error=False,
    )
    return result, time.monotonic() - started


def _snapshot(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Every data table's rows, without the `synced_at` bookkeeping, in a stable order."""
    snapshot = {}
    with warehouse.connect() as conn:
        for name in DATA_TABLES:
            table = tables.metadata.tables[name]
            columns = [c for c in table.columns if c.name != "synced_at"]
            snapshot[name] = sorted(
                tuple(map(repr, row)) for row in conn.execute(table.select().with_only_columns(*columns))
            )
    return snapshot


def _wipe(warehouse: Warehouse) -> None:
    with warehouse.begin() as conn:
        names = ", ".join(f'"{warehouse.schema}"."{n}"' for n in (*DATA_TABLES, "sync_state"))
        conn.execute(text(f"TRUNCATE {names}"))


def _spent(result: dg.ExecuteInProcessResult) -> dict[str, float]:
    """API spending of the run: each step reports it once per asset, repeated on every partition's
    materialization of a range run, so one event per (step, asset) is counted."""
    names = ("api_calls", "api_retries", "api_backoff_seconds", "api_token_refreshes")
    totals = dict.fromkeys(names, 0.0)
    seen = set()
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        run = materialization.metadata.get("run")
        if (event.step_key, materialization.asset_key) in seen or run is None or "api_calls" not in run.value:
            continue
        seen.add((event.step_key, materialization.asset_key))
        for name in totals:
            totals[name] += run.value[name]
    return totals


# The long variant's orders per shop: 500 in the suite (about 45 s), `CHAOS_SLOW_ORDERS=1000` for the
# README's figures.
SLOW_ORDERS = int(os.environ.get("CHAOS_SLOW_ORDERS", "500"))


@pytest.mark.parametrize(
    "chaos",
    [pytest.param(200, id="5x200"), pytest.param(SLOW_ORDERS, id="5xslow")],
    indirect=True,
)
@pytest.mark.slow
def test_faults_and_expiring_tokens_change_no_row(chaos: Chaos) -> None:
    clean, clean_seconds = _run(chaos)
    assert clean.success
    expected = _snapshot(chaos.warehouse)
    tz = get_settings().timezone
    start, end = day_bounds(datetime.fromisoformat(chaos.day).date(), tz)
    with chaos.warehouse.connect() as conn:
        stored = {
            (r.shop_id, r.order_sn)
            for r in conn.execute(text(f'SELECT shop_id, order_sn FROM "{chaos.warehouse.schema}".orders'))
        }
    truth = {
        (shop, sn)
        for shop in chaos.sandbox.shop_ids
        for sn in chaos.sandbox.world.orders_updated_between(
            shop, int(start.timestamp()), int(end.timestamp()) - 1
        )
    }
    assert stored == truth

    _wipe(chaos.warehouse)
    chaos.sandbox.advance(120)  # every token handed out so far has expired: the first calls are refused
    chaos.sandbox.reset_call_counts()
    refreshes_before = sum(chaos.sandbox.refresh_counts().values())
    chaos.sandbox.set_faults(fault_rate=0.2, kinds=FAULTS, stall_seconds=2.0)
    faulty, faulty_seconds = _run(chaos)
    chaos.sandbox.set_faults(fault_rate=0.0)
    assert faulty.success, [e.message for e in faulty.all_events if e.is_failure]

    assert _snapshot(chaos.warehouse) == expected
    spent, faults = _spent(faulty), chaos.sandbox.fault_counts()
    refreshes = sum(chaos.sandbox.refresh_counts().values()) - refreshes_before
    assert spent["api_retries"] > 0 and faults["total"] > 0 and refreshes > 0
    clean_calls = _spent(clean)["api_calls"]
    print(
        f"\n{len(truth)} orders over 5 shops: fault-free {clean_seconds:.1f} s, {clean_calls:.0f} calls; "
        f"20% faults {faulty_seconds:.1f} s, {spent['api_calls']:.0f} calls, "
        f"{spent['api_retries']:.0f} retried, {spent['api_backoff_seconds']:.1f} s backoff, "
        f"{refreshes} token refreshes; faults injected {faults}; "
        f"time lost {faulty_seconds - clean_seconds:.1f} s"
    )
