"""Fetch -> normalise for many shops at once: orders (with items, packages and tracking numbers),
escrow and bookings. Shops are fetched in parallel threads (the client caps concurrency and rate), and
one shop's failure is recorded without costing the other shops their rows."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
import pandas as pd

from shopee_pipeline.normalize import (
    BookingRows,
    EscrowRows,
    OrderRows,
    booking_parents,
    escrow_parents,
    normalize_bookings,
    normalize_escrow,
    normalize_orders,
    order_parents,
)
from shopee_pipeline.shopee import ShopeeClient, ShopeeError, ShopFatalError
from shopee_pipeline.sync.windows import Window

logger = logging.getLogger(__name__)

# Order statuses after which Shopee has (or is about to have) a tracking number for each package.
TRACKED_STATUSES = frozenset(
    {"PROCESSED", "RETRY_SHIP", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"}
)
# Shopee's limit of keys per detail, escrow and tracking batch call (reference 4.3, 4.5, 4.6).
DETAIL_BATCH = 50
# Escrow is not asked for orders that were never paid.
NO_ESCROW_STATUSES = frozenset({"UNPAID"})

Rows = TypeVar("Rows", OrderRows, EscrowRows, BookingRows)
Parent = tuple[str, datetime]
ShopRows = tuple[Any, dict[str, list[Parent]]]
KnownTracking = Callable[[list[tuple[str, str]]], dict[tuple[str, str], str]]


@dataclass
class ShopFailure:
    """Why a shop could not be synced, and what its seller must do (when the seller must act)."""

    shop_id: int
    message: str
    seller_action: str | None = None

    def describe(self) -> str:
        """One line for logs and Dagster: the shop, the error and the seller's next step."""
        action = f" {self.seller_action}" if self.seller_action else ""
        return f"shop {self.shop_id}: {self.message}.{action}"


@dataclass
class FetchResult(Generic[Rows]):
    """Rows of every shop that succeeded, the failures of those that did not, and skipped records.

    `parents[child_table]` lists the `(key, update_time)` parents whose children the child rows replace
    as a whole: only parents whose API object carried the child list (an order fetched without
    `item_list` must not lose its stored items).
    """

    rows: Rows
    parents: dict[str, list[Parent]] = field(default_factory=dict)
    failures: list[ShopFailure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def parents_of(self, child_table: str) -> list[Parent]:
        """The parents whose `child_table` rows are replaced (none when no shop had work)."""
        return self.parents.get(child_table, [])


def _failure(shop_id: int, exc: ShopeeError) -> ShopFailure:
    action = exc.seller_action if isinstance(exc, ShopFatalError) else None
    return ShopFailure(shop_id, str(exc), action)


def _concat(parts: list[Rows], empty: Rows) -> Rows:
    """One shop's rows after another, frame by frame."""
    if not parts:
        return empty
    frames = {
        f.name: pd.concat([getattr(p, f.name) for p in parts], ignore_index=True)
        for f in dataclasses.fields(empty)
        if f.name != "skipped"
    }
    return type(empty)(**frames, skipped=[s for p in parts for s in p.skipped])


def compact_raw(frame: pd.DataFrame) -> None:
    """Replace the `raw` API objects by their JSON text: a tenth of the memory of nested dicts, and
    exactly what COPY sends to the `jsonb` column anyway."""
    if not frame.empty:
        frame["raw"] = [
            orjson.dumps(raw, default=str, option=orjson.OPT_NON_STR_KEYS).decode() for raw in frame["raw"]
        ]


def _per_shop(
    jobs: Mapping[int, Any], work: Callable[[int, Any], ShopRows], empty: Rows, concurrency: int
) -> FetchResult[Rows]:
    """Run `work(shop_id, job)` for every shop in parallel; gather rows, parents and failures."""
    parts: list[Rows] = []
    parents: dict[str, list[Parent]] = {}
    failures: list[ShopFailure] = []

    def run(shop_id: int) -> ShopRows | ShopFailure:
        try:
            return work(shop_id, jobs[shop_id])
        except ShopeeError as exc:
            logger.warning("sync of shop %s failed: %s", shop_id, exc)
            return _failure(shop_id, exc)

    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(jobs)))) as pool:
        for outcome in pool.map(run, sorted(jobs)):
            if isinstance(outcome, ShopFailure):
                failures.append(outcome)
                continue
            shop_rows, shop_parents = outcome
            parts.append(shop_rows)
            for table, pairs in shop_parents.items():
                parents.setdefault(table, []).extend(pairs)
    rows = _concat(parts, empty)
    return FetchResult(rows=rows, parents=parents, failures=failures, skipped=list(rows.skipped))


def _listed_order_sns(client: ShopeeClient, shop_id: int, windows: Iterable[Window]) -> Iterable[list[str]]:
    for window in windows:
        for page in client.iter_order_list(shop_id, window.time_from, window.time_to):
            yield [entry["order_sn"] for entry in page if entry.get("order_sn")]


def full_batches(pages: Iterable[list[str]], size: int = DETAIL_BATCH) -> Iterator[list[str]]:
    """Regroup list pages into batches of exactly `size` keys (the last may be smaller), each key once.

    Pages of 100 listed orders and detail calls of 50 line up anyway; a short page (the end of a 15-day
    window) would otherwise cost a half-empty detail call. Memory stays at one page plus one batch.
    """
    seen: set[str] = set()
    buffer: list[str] = []
    for page in pages:
        for key in page:
            if key not in seen:
                seen.add(key)
                buffer.append(key)
        while len(buffer) >= size:
            yield buffer[:size]
            buffer = buffer[size:]
    if buffer:
        yield buffer


def _compact(rows: Rows) -> Rows:
    """Every frame of `rows` with its `raw` objects turned into JSON text."""
    for f in dataclasses.fields(rows):
        if f.name != "skipped":
            compact_raw(getattr(rows, f.name))
    return rows


def _shop_orders(client: ShopeeClient, shop_id: int, pages: Iterable[list[str]]) -> ShopRows:
    """Details 50 at a time, each batch normalised and compacted at once so a shop's API objects are
    never all in memory together."""
    parts: list[OrderRows] = []
    parents: dict[str, list[Parent]] = {"order_items": [], "logistics": []}
    skipped: list[str] = []
    for order_sns in full_batches(pages):
        batch = client.get_order_details(shop_id, order_sns)
        rows = normalize_orders(shop_id, batch.items)
        skipped.extend(
            f"order {sn} of shop {shop_id} not returned by get_order_detail" for sn in batch.missing
        )
        skipped.extend(f"order {sn} of shop {shop_id}: {reason}" for sn, reason in batch.failed.items())
        parents["order_items"].extend(order_parents(rows.orders, require="item_list"))
        parents["logistics"].extend(order_parents(rows.orders, require="package_list"))
        parts.append(_compact(rows))
    rows = _concat(parts, normalize_orders(0, []))
    rows.skipped.extend(skipped)
    return rows, parents


def _fill_tracking(client: ShopeeClient, shop_id: int, rows: OrderRows, known: KnownTracking) -> None:
    """Set `tracking_number` on packages: the warehouse's when known, else one mass call per 50."""
    packages = rows.logistics
    if packages.empty:
        return
    status = dict(zip(rows.orders["order_sn"], rows.orders["order_status"], strict=True))
    pairs = list(zip(packages["order_sn"], packages["package_number"], strict=True))
    numbers = {pair: number for pair, number in known(pairs).items() if number}
    wanted = [pkg for sn, pkg in pairs if (sn, pkg) not in numbers and status.get(sn) in TRACKED_STATUSES]
    if wanted:
        fetched = client.get_tracking_numbers(shop_id, wanted).numbers
        numbers.update({(sn, pkg): fetched[pkg] for sn, pkg in pairs if fetched.get(pkg)})
    packages["tracking_number"] = [numbers.get(pair) for pair in pairs]


def fetch_orders(
    client: ShopeeClient,
    windows_by_shop: Mapping[int, list[Window]],
    known_tracking: KnownTracking,
    *,
    order_sns_by_shop: Mapping[int, list[str]] | None = None,
    concurrency: int = 4,
) -> FetchResult[OrderRows]:
    """Orders, items and packages of each shop: listed by update_time page by page (or the given
    order_sns), details in batches of 50, tracking numbers for packages that have one."""

    def work(shop_id: int, windows: list[Window]) -> ShopRows:
        targeted = (order_sns_by_shop or {}).get(shop_id)
        pages = [targeted] if targeted else _listed_order_sns(client, shop_id, windows)
        rows, parents = _shop_orders(client, shop_id, pages)
        _fill_tracking(client, shop_id, rows, known_tracking)
        return rows, parents

    jobs = (
        {shop: order_sns_by_shop[shop] for shop in order_sns_by_shop}
        if order_sns_by_shop
        else windows_by_shop
    )
    return _per_shop(
        jobs, lambda shop, _: work(shop, windows_by_shop.get(shop, [])), normalize_orders(0, []), concurrency
    )


def escrow_candidates(orders: pd.DataFrame, fetched_versions: Mapping[str, datetime]) -> dict[int, list[str]]:
    """Per shop, the orders whose escrow is missing or older than the order's last change."""
    wanted: dict[int, list[str]] = {}
    for order_sn, shop_id, status, update_time in orders[
        ["order_sn", "shop_id", "order_status", "update_time"]
    ].itertuples(index=False, name=None):
        if status in NO_ESCROW_STATUSES:
            continue
        fetched = fetched_versions.get(order_sn)
        if fetched is None or fetched < update_time:
            wanted.setdefault(int(shop_id), []).append(order_sn)
    return wanted


def fetch_escrow(
    client: ShopeeClient,
    order_sns_by_shop: Mapping[int, list[str]],
    order_update_times: Mapping[str, datetime],
    *,
    concurrency: int = 4,
) -> FetchResult[EscrowRows]:
    """Escrow details of the given orders, in POST batches of 50; a failed order loses only itself."""

    def work(shop_id: int, order_sns: list[str]) -> ShopRows:
        parts: list[EscrowRows] = []
        parents: dict[str, list[Parent]] = {"escrow_items": []}
        for chunk in full_batches([order_sns]):
            batch = client.get_escrow_details(shop_id, chunk)
            rows = normalize_escrow(shop_id, batch.items, order_update_times)
            rows.skipped.extend(f"escrow of {sn} (shop {shop_id}): {why}" for sn, why in batch.failed.items())
            parents["escrow_items"].extend(escrow_parents(rows.escrow, require_items=True))
            parts.append(_compact(rows))
        return _concat(parts, normalize_escrow(0, [], {})), parents

    return _per_shop(order_sns_by_shop, work, normalize_escrow(0, [], {}), concurrency)


def fetch_bookings(
    client: ShopeeClient,
    windows_by_shop: Mapping[int, list[Window]],
    *,
    booking_sns_by_shop: Mapping[int, list[str]] | None = None,
    concurrency: int = 4,
) -> FetchResult[BookingRows]:
    """Bookings and their items of each shop, listed by update_time (or the given booking_sns)."""

    def work(shop_id: int, windows: list[Window]) -> ShopRows:
        targeted = (booking_sns_by_shop or {}).get(shop_id)
        booking_sns: list[str] = list(targeted or [])
        if not targeted:
            for window in windows:
                for page in client.iter_booking_list(shop_id, window.time_from, window.time_to):
                    booking_sns.extend(entry["booking_sn"] for entry in page if entry.get("booking_sn"))
        batch = client.get_booking_details(shop_id, booking_sns)
        rows = normalize_bookings(shop_id, batch.items)
        rows.skipped.extend(f"booking {sn} of shop {shop_id} not returned" for sn in batch.missing)
        parents = {"booking_items": booking_parents(rows.bookings, require="item_list")}
        return _compact(rows), parents

    jobs = booking_sns_by_shop if booking_sns_by_shop else windows_by_shop
    return _per_shop(
        jobs,
        lambda shop, _: work(shop, windows_by_shop.get(shop, [])),
        normalize_bookings(0, []),
        concurrency,
    )
