"""After a soak: the warehouse against the sandbox's truth, and the events, runs and ticks of the instance."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
from dagster._core.scheduler.instigation import TickStatus
from sqlalchemy import select

from shopee_pipeline.sync.pushes import SYNCED_CODES
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.store import Warehouse

SYNC_CODES = SYNCED_CODES  # pushes of a synced stream: each must reach a run
RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RUN_KEY_TAG = "dagster/run_key"

Packages = dict[str, tuple[str, str]]


def truth_records(
    truth: dict[str, Any],
) -> tuple[dict[str, tuple[str, int, Packages]], dict[str, tuple[str, int]]]:
    """`GET /_sandbox/truth` as {order_sn: (status, update_time, {package: (logistics_status, tracking)})}
    and {booking_sn: (status, update_time)}."""
    orders, bookings = {}, {}
    for shop in truth["shops"]:
        for order in shop["orders"]:
            packages = {
                p["package_number"]: (p["logistics_status"], p["tracking_number"]) for p in order["packages"]
            }
            orders[order["order_sn"]] = (order["order_status"], order["update_time"], packages)
        for booking in shop["bookings"]:
            bookings[booking["booking_sn"]] = (booking["booking_status"], booking["update_time"])
    return orders, bookings


def warehouse_records(
    warehouse: Warehouse,
) -> tuple[dict[str, tuple[str, int, Packages]], dict[str, tuple[str, int]]]:
    """The same shapes read from the `orders`, `logistics` and `bookings` tables (a missing tracking
    number reads as `""`, as Shopee answers it)."""
    o, lg, b = tables.orders.c, tables.logistics.c, tables.bookings.c
    with warehouse.connect() as conn:
        packages: dict[str, Packages] = {}
        for row in conn.execute(
            select(lg.order_sn, lg.package_number, lg.logistics_status, lg.tracking_number)
        ):
            packages.setdefault(row.order_sn, {})[row.package_number] = (
                row.logistics_status,
                row.tracking_number or "",
            )
        orders = {
            row.order_sn: (row.order_status, int(row.update_time.timestamp()), packages.get(row.order_sn, {}))
            for row in conn.execute(select(o.order_sn, o.order_status, o.update_time))
        }
        bookings = {
            row.booking_sn: (row.booking_status, int(row.update_time.timestamp()))
            for row in conn.execute(select(b.booking_sn, b.booking_status, b.update_time))
        }
    return orders, bookings


def differences(expected: dict[str, Any], actual: dict[str, Any], what: str) -> list[str]:
    """One line per record missing, extra or different in `actual`."""
    lines = [
        f"{what} {key}: missing, expected {expected[key]}" for key in sorted(expected.keys() - actual.keys())
    ]
    lines += [f"{what} {key}: not in the sandbox" for key in sorted(actual.keys() - expected.keys())]
    lines += [
        f"{what} {key}: expected {expected[key]}, warehouse has {actual[key]}"
        for key in sorted(expected.keys() & actual.keys())
        if expected[key] != actual[key]
    ]
    return lines


def failed_ticks(instance: dg.DagsterInstance) -> tuple[dict[str, int], list[str]]:
    """Ticks per schedule and sensor of the instance, and one line per failed tick."""
    counts: dict[str, int] = {}
    failures = []
    for state in instance.all_instigator_state():
        ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id)
        counts[state.instigator_name] = len(ticks)
        failures += [
            f"{state.instigator_name}: {tick.error.message.strip() if tick.error else 'failed'}"
            for tick in ticks
            if tick.status == TickStatus.FAILURE
        ]
    return counts, failures


def run_kind(record: Any) -> str:
    """What started a run: `push`, `schedule`, `recovery`, a `soak/role` tag, else `backfill`."""
    run = record.dagster_run
    if run.job_name == "recover_lost_pushes_job":
        return "recovery"
    if "soak/role" in run.tags:
        return run.tags["soak/role"]
    if "dagster/schedule_name" in run.tags:
        return "schedule"
    return "push" if run.tags.get("shopee/trigger") == "push" else "backfill"


@dataclass
class EventAudit:
    """What became of every stored push."""

    by_source: Counter[str] = field(default_factory=Counter)
    unprocessed: list[int] = field(default_factory=list)
    without_run: list[str] = field(default_factory=list)
    ignored_syncs: list[str] = field(default_factory=list)
    lags_s: list[float] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Events that no successful run synced: still pending, naming no (successful) run, or ignored
        although they name an order or booking of a connected shop."""
        return len(self.unprocessed) + len(self.without_run) + len(self.ignored_syncs)


def audit_events(warehouse: Warehouse, runs: list[Any], since: float) -> EventAudit:
    """Each `webhook_events` row must be processed, by a run that exists and succeeded, or as a shop
    update; none of the order and booking pushes may be ignored (every shop of the soak is connected).
    The lag of a push received from `since` on (Unix seconds; earlier ones waited for the daemon to
    start): the end of the run that synced it - the push's `received_at`."""
    by_id = {r.dagster_run.run_id: r for r in runs}
    by_key = {r.dagster_run.tags[RUN_KEY_TAG]: r for r in runs if RUN_KEY_TAG in r.dagster_run.tags}
    e = tables.webhook_events.c
    audit = EventAudit()
    with warehouse.connect() as conn:
        rows = conn.execute(
            select(e.event_id, e.code, e.source, e.received_at, e.processed_at, e.outcome, e.run_key)
        )
        for row in rows:
            audit.by_source[row.source] += 1
            if row.processed_at is None:
                audit.unprocessed.append(row.event_id)
                continue
            named = RUN_ID.search(row.outcome or "")
            record = by_id.get(named.group(0)) if named else by_key.get(row.run_key or "")
            if record is None:
                if row.code in SYNC_CODES:
                    target = (
                        audit.ignored_syncs
                        if (row.outcome or "").startswith("ignored")
                        else audit.without_run
                    )
                    target.append(f"event {row.event_id} (code {row.code}): {row.outcome}")
                continue
            if record.dagster_run.status != dg.DagsterRunStatus.SUCCESS or record.end_time is None:
                audit.without_run.append(
                    f"event {row.event_id}: run {record.dagster_run.run_id} {record.dagster_run.status}"
                )
            elif row.source == "push" and row.received_at.timestamp() >= since:
                audit.lags_s.append(record.end_time - row.received_at.timestamp())
    return audit


def percentile(values: list[float], pct: int) -> float | None:
    """The `pct`-th percentile (None without values)."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 1)
