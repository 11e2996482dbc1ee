"""The `shopee_orders` step: orders (with their items and packages) and their escrow, in one pass.

Escrow needs an order's status and last change, so it used to wait for the whole orders step. When a run
selects both, each batch of fetched orders is offered to an `EscrowFeed` as it passes, and the escrow
calls of the orders that need them go out while the next orders are fetched; the two streams are written
side by side, escrow on a thread of its own, and the orders the warehouse still holds as needing escrow
(changed returns, an earlier run's failures) follow. An escrow row may commit a moment before its order's
row (rows are idempotent: a re-run converges). A run selecting only escrow reads the orders that need it
from the warehouse; one selecting only orders fetches no escrow.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass

import dagster as dg
import pandas as pd

from shopee_pipeline.lib.metadata import RunFigures, api_counts
from shopee_pipeline.lib.partitions import parse_partition_keys
from shopee_pipeline.lib.sync_runs import (
    Materialization,
    RunPlan,
    StreamOutcome,
    StreamWrite,
    SyncConfig,
    lock_holder,
    materializations,
    partition_windows,
    plan_run,
    run_totals,
    write_rows,
)
from shopee_pipeline.settings import get_settings
from shopee_pipeline.shopee import ShopeeClient
from shopee_pipeline.sync.escrow_feed import EscrowFeed
from shopee_pipeline.sync.fetch import FetchStream, escrow_jobs
from shopee_pipeline.sync.streams import BY_NAME, ESCROW, ORDERS
from shopee_pipeline.warehouse.locks import shop_sync_locks
from shopee_pipeline.warehouse.lookups import escrow_due, known_tracking_numbers, orders_needing_escrow
from shopee_pipeline.warehouse.readiness import ensure_syncable
from shopee_pipeline.warehouse.store import Warehouse


class OrdersSyncConfig(SyncConfig):
    """Options of the orders step (all optional): `SyncConfig`'s, and `escrow_only`, the orders (by
    order_sn) whose escrow to re-read besides those `only` names, whatever day they now fall on (what
    the webhook sensor asks for after a return's push)."""

    escrow_only: list[str] = []


@dataclass
class OrdersStepResult:
    """What the step wrote and how each stream ended."""

    events: list[Materialization]
    outcomes: list[StreamOutcome]
    shop_ids: list[int]


@dataclass(frozen=True)
class _Writes:
    """What the step wrote, by stream name (orders first), and how many orders needed escrow."""

    by_stream: dict[str, StreamWrite]
    escrow_wanted: int = 0


@dataclass(frozen=True)
class _Step:
    """One run of the step: its context, client and warehouse. Each way of running it returns what it
    wrote (`_Writes`); nothing accumulates on the step, so the escrow writer's thread shares nothing
    with it."""

    context: dg.AssetExecutionContext
    client: ShopeeClient
    store: Warehouse
    concurrency: int

    def orders(self, plan: RunPlan) -> FetchStream:
        """The orders stream of the plan's windows (or its pushed orders)."""

        def known(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
            with self.store.connect() as conn:
                return known_tracking_numbers(conn, pairs)

        targeted = plan.targeted or None
        return ORDERS.own_fetch(
            self.client, plan.windows_by_shop, known, order_sns_by_shop=targeted, concurrency=self.concurrency
        )

    def orders_only(self, plan: RunPlan) -> _Writes:
        """Orders (with items and packages), no escrow."""
        return _Writes({ORDERS.name: write_rows(self.store, ORDERS, self.orders(plan), plan.windows_by_shop)})

    def escrow_only(self, due: pd.DataFrame) -> _Writes:
        """The escrow of the orders of `due` (shop_id, order_sn, update_time as their version)."""
        by_shop = due.groupby("shop_id")["order_sn"].agg(list).to_dict() if not due.empty else {}
        wanted = {int(str(shop_id)): order_sns for shop_id, order_sns in by_shop.items()}
        versions = dict(zip(due["order_sn"], due["update_time"], strict=True))
        fetched = ESCROW.own_fetch(self.client, escrow_jobs(wanted), versions, concurrency=self.concurrency)
        return _Writes({ESCROW.name: write_rows(self.store, ESCROW, fetched)}, len(due))

    def pipelined(self, plan: RunPlan, still_due: Callable[[], pd.DataFrame]) -> _Writes:
        """Orders and, as their batches pass, the escrow of those that need it, written side by side;
        then the escrow of the orders `still_due` finds."""

        def due(fetched: pd.DataFrame) -> pd.DataFrame:
            with self.store.connect() as conn:
                return escrow_due(conn, fetched)

        feed = EscrowFeed(due)
        orders = self.orders(plan)
        orders.observe(lambda batch: feed.add(batch.rows.orders))
        escrow = ESCROW.own_fetch(self.client, feed, feed.versions, concurrency=self.concurrency)
        with ThreadPoolExecutor(1, thread_name_prefix="escrow-writer") as writer:
            escrow_written = writer.submit(write_rows, self.store, ESCROW, escrow)
            try:
                orders_written = write_rows(self.store, ORDERS, orders, plan.windows_by_shop)
            except BaseException:
                feed.close()
                raise
            feed.close(still_due)
            by_stream = {ORDERS.name: orders_written, ESCROW.name: escrow_written.result()}
        return _Writes(by_stream, len(feed.versions))

    def report(self, writes: _Writes, spent: RunFigures, selected: set[str]) -> list[Materialization]:
        """Each written stream's materializations of the selected assets; the step's API calls are
        reported on its first stream (orders when it ran)."""
        events: list[Materialization] = []
        for index, (name, done) in enumerate(writes.by_stream.items()):
            spec = BY_NAME[name]
            extra = dict(spent) if index == 0 else {}
            if spec is ESCROW:
                extra["orders_needing_escrow"] = writes.escrow_wanted
            events += materializations(self.context, self.store, spec, run_totals(spec, done.written, extra))
        return [event for event in events if event.asset_key and event.asset_key.to_user_string() in selected]


def _still_due(
    store: Warehouse, context: dg.AssetExecutionContext, keys: list[str], shop_ids: list[int]
) -> Callable[[], pd.DataFrame]:
    """How to read the orders the warehouse holds as needing escrow (missing, or older than the order's
    or its newest return's last change): those `keys` name, whatever day they now fall on, else those of
    the run's partitions (by `update_time` in SHOPEE_TIMEZONE) and those whose returns changed in them."""
    windows = [] if keys else partition_windows(context.partition_keys, get_settings().timezone)

    def read() -> pd.DataFrame:
        with store.connect() as conn:
            return orders_needing_escrow(conn, shop_ids, windows=windows, only=keys)

    return read


def sync_orders_and_escrow(
    context: dg.AssetExecutionContext,
    config: OrdersSyncConfig,
    store: Warehouse,
    client_of: Callable[[Warehouse], AbstractContextManager[ShopeeClient]],
    concurrency: int,
) -> OrdersStepResult:
    """Sync what the run selected of orders (with items and packages) and escrow, holding each selected
    stream's lock on the run's shops. Escrow re-reads the orders `only` and `escrow_only` name, else
    those of the run's partitions that need it."""
    selected = {key.to_user_string() for key in context.selected_asset_keys}
    with_orders = bool(selected & set(ORDERS.asset_keys))
    if with_orders and not set(ORDERS.asset_keys) <= selected:
        together = ", ".join(ORDERS.asset_keys)
        raise dg.Failure(
            f"select {together} together: one read of the orders writes all three", allow_retries=False
        )
    with_escrow = ESCROW.table in selected
    escrow_keys = list(dict.fromkeys([*config.only, *config.escrow_only]))
    shop_ids = sorted({shop for _, shop in parse_partition_keys(context.partition_keys)})
    if escrow_keys and len(shop_ids) != 1:
        raise dg.Failure("run config 'only' needs a run over a single shop's partitions", allow_retries=False)
    plan = plan_run(context, store, ORDERS, config) if with_orders else None
    if plan is None:
        with store.connect() as conn:
            ensure_syncable(conn, shop_ids)
    streams = [spec for spec, on in ((ORDERS, with_orders), (ESCROW, with_escrow)) if on]
    with ExitStack() as stack:
        for spec in streams:
            holder = lock_holder(context)
            stack.enter_context(shop_sync_locks(store.engine, spec.name, shop_ids, holder, context.log.info))
        client = stack.enter_context(client_of(store))
        step = _Step(context, client, store, concurrency)
        before = client.stats.snapshot()
        still_due = _still_due(store, context, escrow_keys, shop_ids)
        if plan is not None and with_escrow:
            writes = step.pipelined(plan, still_due)
        elif plan is not None:
            writes = step.orders_only(plan)
        else:
            writes = step.escrow_only(still_due())
        spent = api_counts(client.stats.snapshot().since(before))
    outcomes = [done.outcome for done in writes.by_stream.values()]
    return OrdersStepResult(step.report(writes, spent, selected), outcomes, shop_ids)
