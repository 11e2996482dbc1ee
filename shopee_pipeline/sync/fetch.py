"""Fetch -> normalise for many shops at once, as a stream: orders (with items, packages and tracking
numbers), escrow and every declared stream (`read_records`: bookings, returns) arrive batch by batch while
other shops are still being fetched.

Shops (or, for escrow, batches of 50 orders) are fetched in parallel threads; the client caps
concurrency and rate. A bounded queue hands each normalised batch to the consumer, so memory holds a
few batches, never a whole day of shops. One shop's failure is recorded without costing the other
shops their rows."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import orjson
import pandas as pd

from shopee_pipeline.normalize.escrow import escrow_parents, normalize_escrow
from shopee_pipeline.normalize.orders import normalize_orders, order_parents
from shopee_pipeline.normalize.records import RecordNormaliser, TableRows
from shopee_pipeline.shopee import BatchResult, ShopeeClient, ShopeeError, ShopFatalError
from shopee_pipeline.shopee.config import DETAIL_BATCH
from shopee_pipeline.shopee.endpoints import DetailEndpoint, ListEndpoint, Pager
from shopee_pipeline.sync.windows import Window

logger = logging.getLogger(__name__)

# Order statuses after which Shopee has (or is about to have) a tracking number for each package.
TRACKED_STATUSES = frozenset(
    {"PROCESSED", "RETRY_SHIP", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"}
)
# Normalised batches waiting for the consumer before the fetching threads pause.
MAX_PENDING_BATCHES = 16

# `response_optional_fields` of `GET /api/v2/order/get_order_detail` that the warehouse stores.
ORDER_DETAIL_OPTIONAL_FIELDS = (
    "buyer_user_id",
    "buyer_username",
    "estimated_shipping_fee",
    "recipient_address",
    "actual_shipping_fee",
    "goods_to_declare",
    "note",
    "note_update_time",
    "item_list",
    "pay_time",
    "dropshipper",
    "dropshipper_phone",
    "split_up",
    "buyer_cancel_reason",
    "cancel_by",
    "cancel_reason",
    "actual_shipping_fee_confirmed",
    "fulfillment_flag",
    "pickup_done_time",
    "package_list",
    "shipping_carrier",
    "payment_method",
    "total_amount",
    "invoice_data",
    "order_chargeable_weight_gram",
    "return_request_due_date",
    "edt",
    "payment_info",
)
ORDER_LIST = ListEndpoint(
    path="/api/v2/order/get_order_list",
    item_field="order_list",
    key_field="order_sn",
    pager=Pager.CURSOR,
    fixed_params={"response_optional_fields": "order_status"},
)
ORDER_DETAIL = DetailEndpoint(
    path="/api/v2/order/get_order_detail",
    key_field="order_sn",
    keys_param="order_sn_list",
    item_field="order_list",
    batch_size=DETAIL_BATCH,
    fixed_params={"response_optional_fields": ORDER_DETAIL_OPTIONAL_FIELDS},
)

Parent = tuple[str, datetime]
Package = tuple[str, str]
KnownTracking = Callable[[list[Package]], dict[Package, str]]


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
class Batch:
    """Normalised rows of one shop's batch, and the parents whose child rows they replace as a whole.

    `parents[child_table]` lists `(key, update_time)` pairs: only parents whose API object carried the
    child list (an order fetched without `item_list` must not lose its stored items).
    """

    rows: TableRows
    parents: dict[str, list[Parent]] = field(default_factory=dict)

    def parents_of(self, child_table: str) -> list[Parent]:
        """The parents whose `child_table` rows are replaced (none when the batch had none)."""
        return self.parents.get(child_table, [])


@dataclass
class FetchResult(Batch):
    """Every batch of a stream gathered into one: rows, parents, failures and skipped records."""

    failures: list[ShopFailure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Finished:
    """A job is over: cleanly (`outcome` None), with a shop failure, or with an unexpected error."""

    outcome: ShopFailure | BaseException | None


@dataclass(frozen=True)
class _Fed:
    """Every job was submitted (`jobs` of them), or the feed failed with `error`."""

    jobs: int
    error: BaseException | None = None


def _hand_over(handover: queue.Queue, item: object, stopped: threading.Event) -> bool:
    """Put `item` on the bounded `handover`, waiting while it is full; False once `stopped` is set (the
    consumer went away) before there was room."""
    while not stopped.is_set():
        try:
            handover.put(item, timeout=0.2)
            return True
        except queue.Full:
            continue
    return False


class _Stopped(Exception):
    """The consumer went away: a fetching thread ends at its next hand-over."""


def _failure(shop_id: int, exc: ShopeeError) -> ShopFailure:
    action = exc.seller_action if isinstance(exc, ShopFatalError) else None
    return ShopFailure(shop_id, str(exc), action)


def merge(batches: Sequence[Batch]) -> Batch:
    """One batch holding every row and parent of `batches`, frame by frame."""
    tables = batches[0].rows.frames
    frames = {table: pd.concat([b.rows[table] for b in batches], ignore_index=True) for table in tables}
    parents: dict[str, list[Parent]] = {}
    for batch in batches:
        for table, pairs in batch.parents.items():
            parents.setdefault(table, []).extend(pairs)
    return Batch(TableRows(frames, [s for b in batches for s in b.rows.skipped]), parents)


class FetchStream:
    """The batches of many fetch jobs, yielded as they are ready; iterate it once.

    `jobs` are `(shop_id, job)` pairs run by `work(shop_id, job)` in at most `concurrency` threads. They
    may be a list or an iterable that blocks until its next job is known (escrow jobs fed while orders are
    still being fetched): a feeding thread takes them one by one. A job failing with a `ShopeeError`
    becomes a `ShopFailure` of its shop (its earlier batches stay delivered: rows are idempotent and the
    shop's high-water mark does not advance); any other error, the feed's included, is raised to the
    consumer. Each callback given to `observe` sees every batch before the consumer does. Once iterated,
    `failures` and `skipped` are complete.
    """

    def __init__(
        self,
        jobs: Iterable[tuple[int, Any]],
        work: Callable[[int, Any], Iterable[Batch]],
        empty: TableRows,
        concurrency: int,
    ) -> None:
        self._jobs = jobs
        self._work = work
        self.empty = empty
        sized = len(jobs) if isinstance(jobs, Sequence) else concurrency
        self._concurrency = max(1, min(concurrency, sized))
        self._observers: list[Callable[[Batch], None]] = []
        self.failures: list[ShopFailure] = []
        self.skipped: list[str] = []

    def observe(self, callback: Callable[[Batch], None]) -> None:
        """Call `callback` with every batch as it is handed over (in the consumer's thread)."""
        self._observers.append(callback)

    def __iter__(self) -> Iterator[Batch]:
        handover: queue.Queue[Batch | _Finished | _Fed] = queue.Queue(MAX_PENDING_BATCHES)
        stopped = threading.Event()
        failed: set[int] = set()  # shops whose later jobs are not started

        def put(item: Batch | _Finished | _Fed) -> None:
            if not _hand_over(handover, item, stopped):
                raise _Stopped

        def run(shop_id: int, job: Any) -> None:
            if stopped.is_set():
                return
            try:
                if shop_id in failed:
                    put(_Finished(None))
                    return
                try:
                    for batch in self._work(shop_id, job):
                        put(batch)
                    outcome: ShopFailure | BaseException | None = None
                except ShopeeError as exc:
                    logger.warning("sync of shop %s failed: %s", shop_id, exc)
                    failed.add(shop_id)
                    outcome = _failure(shop_id, exc)
                except _Stopped:
                    raise
                except Exception as exc:  # handed to the consumer, which raises it
                    outcome = exc
                put(_Finished(outcome))
            except _Stopped:
                return

        pool = ThreadPoolExecutor(self._concurrency, thread_name_prefix="shopee-fetch")

        def feed() -> None:
            count, error = 0, None
            try:
                for shop_id, job in self._jobs:
                    if stopped.is_set():
                        return
                    pool.submit(run, shop_id, job)
                    count += 1
            except Exception as exc:  # handed to the consumer, which raises it
                error = exc
            try:
                put(_Fed(count, error))
            except _Stopped:
                return

        feeder = threading.Thread(target=feed, name="shopee-fetch-feed", daemon=True)
        feeder.start()
        try:
            fed: _Fed | None = None
            finished = 0
            while fed is None or finished < fed.jobs:
                item = handover.get()
                if isinstance(item, Batch):
                    self.skipped.extend(item.rows.skipped)
                    for observer in self._observers:
                        observer(item)
                    yield item
                    continue
                if isinstance(item, _Fed):
                    if item.error is not None:
                        raise item.error
                    fed = item
                    continue
                finished += 1
                if isinstance(item.outcome, BaseException):
                    raise item.outcome
                # Two jobs of one shop may both fail before the second is skipped: record the shop once.
                if item.outcome is not None and all(f.shop_id != item.outcome.shop_id for f in self.failures):
                    self.failures.append(item.outcome)
        finally:
            # A consumer that stopped early: jobs not started never start, running ones end at their
            # next hand-over.
            stopped.set()
            feeder.join()
            pool.shutdown(wait=True, cancel_futures=True)

    def chunks(self, parent_table: str, max_rows: int) -> Iterator[Batch]:
        """The stream regrouped into batches of at least `max_rows` parent rows (the last may be
        smaller): fewer, larger writes, with memory still bounded by one chunk."""
        held: list[Batch] = []
        count = 0
        for batch in self:
            held.append(batch)
            count += len(batch.rows[parent_table])
            if count >= max_rows:
                yield merge(held)
                held, count = [], 0
        if held:
            yield merge(held)

    def collect(self) -> FetchResult:
        """Every batch in one result (for small syncs and tests: it holds all rows in memory)."""
        batches = list(self) or [Batch(self.empty)]
        whole = merge(batches)
        return FetchResult(whole.rows, whole.parents, list(self.failures), list(self.skipped))


def compact_raw(frame: pd.DataFrame) -> None:
    """Replace the `raw` API objects by their JSON text: a tenth of the memory of nested dicts, and
    exactly what COPY sends to the `jsonb` column anyway."""
    if not frame.empty:
        frame["raw"] = [
            orjson.dumps(raw, default=str, option=orjson.OPT_NON_STR_KEYS).decode() for raw in frame["raw"]
        ]


def _compact(rows: TableRows) -> TableRows:
    """Every frame of `rows` with its `raw` objects turned into JSON text."""
    for frame in rows.frames.values():
        compact_raw(frame)
    return rows


def _listed(
    client: ShopeeClient, endpoint: ListEndpoint, shop_id: int, windows: Iterable[Window]
) -> Iterator[list[str]]:
    """The key of every entry of every list page of every window, page by page."""
    key = endpoint.key_field
    for window in windows:
        for page in client.iter_list(endpoint, shop_id, window.time_from, window.time_to):
            yield [entry[key] for entry in page if entry.get(key)]


T = TypeVar("T")
_END = object()


def prefetched(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """`items`, produced up to `depth` ahead on a thread of their own: the next list page is read while
    the current one's details are fetched. The producer's error is raised here; a consumer that stops
    early stops the producer at its next item."""
    handover: queue.Queue[Any] = queue.Queue(depth)
    stopped = threading.Event()

    def put(item: Any) -> bool:
        return _hand_over(handover, item, stopped)

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            put(_Raised(exc))
            return
        put(_END)

    producer = threading.Thread(target=produce, name="shopee-prefetch", daemon=True)
    producer.start()
    try:
        while (item := handover.get()) is not _END:
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        stopped.set()
        producer.join()


@dataclass(frozen=True)
class _Raised:
    error: BaseException


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


class _TrackingNumbers:
    """One shop's order batches held until their packages' tracking numbers are known: the warehouse's
    when stored, else Shopee's, asked in calls of exactly 50 packages across batches. The calls go out on
    a thread of their own, while the next details are fetched; `close` when done."""

    def __init__(self, client: ShopeeClient, shop_id: int, known: KnownTracking) -> None:
        self._client, self._shop_id, self._known = client, shop_id, known
        self._held: deque[tuple[Batch, set[str]]] = deque()
        self._wanted: list[str] = []
        self._asked: list[tuple[set[str], Future[dict[str, str]]]] = []
        self._numbers: dict[Package, str] = {}
        self._fetched: dict[str, str] = {}
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="shopee-tracking")

    def add(self, batch: Batch) -> Iterator[Batch]:
        """Hold `batch`; yield the held batches whose tracking numbers are now all known."""
        rows = batch.rows
        pairs = list(zip(rows.logistics["order_sn"], rows.logistics["package_number"], strict=True))
        self._numbers.update((pair, number) for pair, number in self._known(pairs).items() if number)
        status = dict(zip(rows.orders["order_sn"], rows.orders["order_status"], strict=True))
        wanted = [
            pkg for sn, pkg in pairs if (sn, pkg) not in self._numbers and status.get(sn) in TRACKED_STATUSES
        ]
        self._held.append((batch, set(wanted)))
        self._wanted.extend(wanted)
        while len(self._wanted) >= DETAIL_BATCH:
            self._ask(self._wanted[:DETAIL_BATCH])
            self._wanted = self._wanted[DETAIL_BATCH:]
        yield from self._release(wait=False)

    def finish(self) -> Iterator[Batch]:
        """Ask for what is still wanted; yield every held batch once its numbers are in."""
        if self._wanted:
            self._ask(self._wanted)
            self._wanted = []
        yield from self._release(wait=True)

    def close(self) -> None:
        """Stop the calling thread (after its call in flight)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _ask(self, packages: list[str]) -> None:
        def ask() -> dict[str, str]:
            numbers = self._client.get_tracking_numbers(self._shop_id, packages).numbers
            return {pkg: number for pkg, number in numbers.items() if number}

        self._asked.append((set(packages), self._pool.submit(ask)))

    def _release(self, wait: bool) -> Iterator[Batch]:
        while self._asked and (wait or self._asked[0][1].done()):
            _, answer = self._asked.pop(0)
            self._fetched.update(answer.result())
        unresolved = set(self._wanted).union(*(packages for packages, _ in self._asked))
        while self._held and not (self._held[0][1] & unresolved):
            batch, _ = self._held.popleft()
            packages = batch.rows.logistics
            pairs = list(zip(packages["order_sn"], packages["package_number"], strict=True))
            packages["tracking_number"] = [
                self._numbers.pop(pair, None) or self._fetched.pop(pair[1], None) for pair in pairs
            ]
            yield batch


def _order_batches(
    client: ShopeeClient, shop_id: int, pages: Iterable[list[str]], known: KnownTracking
) -> Iterator[Batch]:
    """Details 50 at a time, each batch normalised and compacted at once, released once its packages
    have their tracking numbers."""
    tracking = _TrackingNumbers(client, shop_id, known)
    try:
        yield from _detail_batches(client, shop_id, pages, tracking)
    finally:
        tracking.close()


def _detail_batches(
    client: ShopeeClient, shop_id: int, pages: Iterable[list[str]], tracking: _TrackingNumbers
) -> Iterator[Batch]:
    for order_sns in full_batches(pages):
        detail = client.get_details(ORDER_DETAIL, shop_id, order_sns)
        rows = normalize_orders(shop_id, detail.items)
        rows.skipped.extend(
            f"order {sn} of shop {shop_id} not returned by get_order_detail" for sn in detail.missing
        )
        rows.skipped.extend(f"order {sn} of shop {shop_id}: {reason}" for sn, reason in detail.failed.items())
        parents = {
            "order_items": order_parents(rows.orders, require="item_list"),
            "logistics": order_parents(rows.orders, require="package_list"),
        }
        yield from tracking.add(Batch(_compact(rows), parents))
    yield from tracking.finish()


def _shop_jobs(
    windows_by_shop: Mapping[int, list[Window]], keys_by_shop: Mapping[int, list[str]] | None
) -> list[tuple[int, list[str] | None]]:
    """One fetch job per shop: its keys when the run re-reads given records, else None (its windows)."""
    if keys_by_shop:
        return sorted(keys_by_shop.items())
    return [(shop, None) for shop in sorted(windows_by_shop)]


def stream_orders(
    client: ShopeeClient,
    windows_by_shop: Mapping[int, list[Window]],
    known_tracking: KnownTracking,
    *,
    order_sns_by_shop: Mapping[int, list[str]] | None = None,
    concurrency: int = 4,
) -> FetchStream:
    """Orders, items and packages of each shop: listed by update_time page by page (or the given
    order_sns), details in batches of 50, tracking numbers for packages that have one."""

    def work(shop_id: int, targeted: list[str] | None) -> Iterator[Batch]:
        windows = windows_by_shop.get(shop_id, [])
        listed = _listed(client, ORDER_LIST, shop_id, windows)
        pages = [targeted] if targeted else prefetched(listed)
        return _order_batches(client, shop_id, pages, known_tracking)

    return FetchStream(
        _shop_jobs(windows_by_shop, order_sns_by_shop), work, normalize_orders(0, []), concurrency
    )


def escrow_jobs(order_sns_by_shop: Mapping[int, list[str]]) -> list[tuple[int, list[str]]]:
    """The given orders' escrow as jobs of one POST batch of 50, shops taking turns: each shop's own rate
    limit never holds every thread at once."""
    batches = {shop: list(full_batches([order_sns])) for shop, order_sns in order_sns_by_shop.items()}
    return [
        (shop, batches[shop][turn])
        for turn in range(max(map(len, batches.values()), default=0))
        for shop in sorted(batches)
        if turn < len(batches[shop])
    ]


def stream_escrow(
    client: ShopeeClient,
    jobs: Iterable[tuple[int, list[str]]],
    order_update_times: Mapping[str, datetime],
    *,
    concurrency: int = 4,
) -> FetchStream:
    """Escrow details of the orders of `jobs` (`(shop_id, up to 50 order_sns)`: `escrow_jobs`, or an
    `EscrowFeed` while orders are fetched), each job one POST batch (a shop's batches run in parallel
    too); `order_update_times` gives each order's version by the time its job starts. A failed order
    loses only itself."""

    def work(shop_id: int, order_sns: list[str]) -> Iterator[Batch]:
        detail = client.get_escrow_details(shop_id, order_sns)
        rows = normalize_escrow(shop_id, detail.items, order_update_times)
        rows.skipped.extend(f"escrow of {sn} (shop {shop_id}): {why}" for sn, why in detail.failed.items())
        parents = {"escrow_items": escrow_parents(rows.escrow, require_items=True)}
        yield Batch(_compact(rows), parents)

    return FetchStream(jobs, work, normalize_escrow(0, [], {}), concurrency)


def read_records(
    client: ShopeeClient,
    listing: ListEndpoint,
    detail: DetailEndpoint,
    normaliser: RecordNormaliser,
    windows_by_shop: Mapping[int, list[Window]],
    *,
    keys_by_shop: Mapping[int, list[str]] | None = None,
    listed_whole: bool = False,
    concurrency: int = 4,
) -> FetchStream:
    """A declared stream's records of each shop: `listing` read page by page over the shop's windows,
    then `detail` asked for the listed keys in batches (or, when the list carries whole objects,
    `listed_whole`, each page normalised as it is); with `keys_by_shop` the given keys re-read by `detail`.
    Each batch is normalised by `normaliser`, with the parents whose child lists it replaces."""

    def batch(shop_id: int, objects: Iterable[Any], result: BatchResult | None = None) -> Batch:
        rows = normaliser.normalize(shop_id, objects)
        if result is not None:
            kind = normaliser.shape.kind
            rows.skipped.extend(f"{kind} {key} of shop {shop_id} not returned" for key in result.missing)
            rows.skipped.extend(f"{kind} {key} of shop {shop_id}: {r}" for key, r in result.failed.items())
        parents = normaliser.parents(rows)  # read from the raw objects, before they become text
        return Batch(_compact(rows), parents)

    def work(shop_id: int, targeted: list[str] | None) -> Iterator[Batch]:
        windows = windows_by_shop.get(shop_id, [])
        if listed_whole and not targeted:
            for window in windows:
                for page in client.iter_list(listing, shop_id, window.time_from, window.time_to):
                    yield batch(shop_id, page)
            return
        pages = [targeted] if targeted else _listed(client, listing, shop_id, windows)
        # Whole calls' worth of keys, at most 50: one batch call, or 50 calls of a one-key endpoint.
        for keys in full_batches(pages, DETAIL_BATCH // detail.batch_size * detail.batch_size):
            result = client.get_details(detail, shop_id, keys)
            yield batch(shop_id, result.items, result)

    return FetchStream(_shop_jobs(windows_by_shop, keys_by_shop), work, normaliser.empty(), concurrency)
