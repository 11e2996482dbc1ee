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

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field

import dagster as dg
import pandas as pd

from shopee_pipeline.lib.metadata import api_metadata
from shopee_pipeline.lib.partitions import parse_partition_keys
from shopee_pipeline.lib.sync_runs import (
    Materialization,
    RunPlan,
    StreamOutcome,
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
from shopee_pipeline.sync.streams import ESCROW, ORDERS, StreamSpec
from shopee_pipeline.warehouse.locks import shop_sync_locks
from shopee_pipeline.warehouse.lookups import escrow_due, known_tracking_numbers, orders_needing_escrow
from shopee_pipeline.warehouse.readiness import ensure_syncable
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.warehouse.write import Written


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


@dataclass
class _Step:
    """One run of the step: its context, client and warehouse, and what it wrote so far."""

    context: dg.AssetExecutionContext
    client: ShopeeClient
    store: Warehouse
    concurrency: int
    written: dict[str, dict[str, Written]] = field(default_factory=dict)
    outcomes: list[StreamOutcome] = field(default_factory=list)
    escrow_wanted: int = 0

    def orders(self, plan: RunPlan) -> FetchStream:
        """The orders stream of the plan's windows (or its pushed orders)."""

        def known(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
            with self.store.connect() as conn:
                return known_tracking_numbers(conn, pairs)

        targeted = plan.targeted or None
        return ORDERS.fetch(
            self.client, plan.windows_by_shop, known, order_sns_by_shop=targeted, concurrency=self.concurrency
        )

    def write(self, spec: StreamSpec, fetched: FetchStream, plan: RunPlan | None = None) -> None:
        """Write a stream and record its outcome (with the high-water marks of `plan`'s windows)."""
        self.written[spec.name] = write_rows(self.store, spec, fetched)
        self.outcomes.append(StreamOutcome.of(spec.name, fetched, plan.windows_by_shop if plan else None))

    def escrow_of(self, due: pd.DataFrame) -> FetchStream:
        """The escrow stream of the orders of `due` (shop_id, order_sn, update_time as their version)."""
        self.escrow_wanted = len(due)
        wanted = due.groupby("shop_id")["order_sn"].agg(list).to_dict() if not due.empty else {}
        versions = dict(zip(due["order_sn"], due["update_time"], strict=True))
        return ESCROW.fetch(self.client, escrow_jobs(wanted), versions, concurrency=self.concurrency)

    def pipelined(self, plan: RunPlan, still_due: Callable[[], pd.DataFrame]) -> None:
        """Orders and, as their batches pass, the escrow of those that need it, written side by side;
        then the escrow of the orders `still_due` finds."""

        def due(fetched: pd.DataFrame) -> pd.DataFrame:
            with self.store.connect() as conn:
                return escrow_due(conn, fetched)

        feed = EscrowFeed(due)
        orders = self.orders(plan)
        orders.observe(lambda batch: feed.add(batch.rows.orders))
        escrow = ESCROW.fetch(self.client, feed, feed.versions, concurrency=self.concurrency)
        with ThreadPoolExecutor(1, thread_name_prefix="escrow-writer") as writer:
            escrow_written = writer.submit(self.write, ESCROW, escrow)
            try:
                self.write(ORDERS, orders, plan)
            except BaseException:
                feed.close()
                raise
            feed.close(still_due)
            escrow_written.result()
        self.escrow_wanted = len(feed.versions)

    def report(self, spent: Mapping[str, dg.MetadataValue], selected: set[str]) -> list[Materialization]:
        """Each written stream's materializations of the selected assets; the step's API calls are
        reported on its first stream."""
        events: list[Materialization] = []
        # A fixed order: in a pipelined run escrow may finish writing first, yet the calls go on orders.
        written_specs = [spec for spec in (ORDERS, ESCROW) if spec.name in self.written]
        for index, spec in enumerate(written_specs):
            written = self.written[spec.name]
            extra = dict(spent) if index == 0 else {}
            if spec is ESCROW:
                extra["run_orders_needing_escrow"] = dg.MetadataValue.int(self.escrow_wanted)
            events += materializations(self.context, self.store, spec, run_totals(spec, written, extra))
        return [event for event in events if event.asset_key.to_user_string() in selected]


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
            step.pipelined(plan, still_due)
        elif plan is not None:
            step.write(ORDERS, step.orders(plan), plan)
        else:
            step.write(ESCROW, step.escrow_of(still_due()))
        spent = api_metadata(client.stats.snapshot().since(before))
    return OrdersStepResult(step.report(spent, selected), step.outcomes, shop_ids)
