"""What every sync asset shares: its run options, the plan of windows per shop, settling a run, and
failing at once on errors no retry can heal."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import ParamSpec, TypeVar

import dagster as dg

from shopee_pipeline.defs.metadata import OrderStatistics
from shopee_pipeline.defs.outputs import ChildRows, ParentRows, RowStream
from shopee_pipeline.defs.partitions import parse_partition_keys
from shopee_pipeline.permanent_errors import permanent_error
from shopee_pipeline.settings import get_settings
from shopee_pipeline.shopee import ShopeeClient, StatsSnapshot
from shopee_pipeline.sync.fetch import FetchStream, ShopFailure
from shopee_pipeline.sync.windows import Window, days_by_shop, shop_windows
from shopee_pipeline.warehouse.readiness import ensure_syncable
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.warehouse.sync_state import high_water_marks, record_error, record_success

P = ParamSpec("P")
T = TypeVar("T")


@contextmanager
def fail_at_once_on_permanent_errors() -> Iterator[None]:
    """Turn an error no retry can heal (a missing setting, a database without our tables, a shop that
    is not connected) into a step failure of one line that the step's retry policy does not retry;
    transient errors pass through unchanged and keep the policy."""
    try:
        yield
    except Exception as exc:
        message = permanent_error(exc)
        if message is None:
            raise
        # `from None`: the database error's text would carry the statement, which the line replaces.
        raise dg.Failure(description=message, allow_retries=False) from None


def sync_step(compute: Callable[P, Iterator[T]]) -> Callable[P, Iterator[T]]:
    """Wrap a sync asset's compute function in `fail_at_once_on_permanent_errors` (under `@dg.asset`;
    the wrapper keeps the function's signature, which Dagster reads)."""

    @functools.wraps(compute)
    def step(*args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        with fail_at_once_on_permanent_errors():
            yield from compute(*args, **kwargs)

    return step


class SyncConfig(dg.Config):
    """Options of a sync run (all optional).

    `full_resync`: re-read whole days even where an incremental read from the high-water mark would do.
    `only`: sync just these order_sn (orders, escrow) or booking_sn (bookings) of the partition's shop:
    what the webhook sensor asks for.
    """

    full_resync: bool = False
    only: list[str] = []


@dataclass(frozen=True)
class RunPlan:
    """The shops of a run, their days, and the update_time windows to read for each."""

    days_by_shop: dict[int, list[date]]
    windows_by_shop: dict[int, list[Window]]
    targeted: dict[int, list[str]]


def plan_run(
    context: dg.AssetExecutionContext, warehouse: Warehouse, stream: str, config: SyncConfig
) -> RunPlan:
    """Turn the run's partition keys and config into windows, reading the stream's high-water marks.
    Every shop of the run must be connected and active (`UnsyncableShopsError` otherwise)."""
    settings = get_settings()
    days = days_by_shop(parse_partition_keys(context.partition_keys))
    if config.only and len(days) != 1:
        raise dg.Failure("run config 'only' needs a run over a single shop's partitions", allow_retries=False)
    with warehouse.connect() as conn:
        ensure_syncable(conn, list(days))
        if config.only:
            return RunPlan(days, {}, {next(iter(days)): list(config.only)})
        marks = high_water_marks(conn, stream, list(days))
    now = datetime.now(UTC)
    overlap = timedelta(minutes=settings.overlap_minutes)
    windows = {
        shop: shop_windows(shop_days, settings.timezone, now, marks.get(shop), overlap, config.full_resync)
        for shop, shop_days in days.items()
    }
    return RunPlan(days, windows, {})


def api_metadata(spent: StatsSnapshot) -> dict[str, dg.MetadataValue]:
    """What the run spent on Shopee, as plottable numbers."""
    return {
        "api_calls": dg.MetadataValue.int(spent.total_calls),
        "api_retries": dg.MetadataValue.int(spent.retries),
        "api_backoff_seconds": dg.MetadataValue.float(round(spent.backoff_seconds, 3)),
        "api_token_refreshes": dg.MetadataValue.int(spent.refreshes),
    }


# Parent rows (orders, escrows, bookings) per write transaction: large enough that a write's fixed cost
# (a few statements) vanishes, small enough that a run holds tens of megabytes, not a day of shops.
ROWS_PER_WRITE = 2000


def row_stream(
    fetched: FetchStream,
    parent: str,
    client: ShopeeClient,
    statistics: OrderStatistics | None = None,
) -> RowStream:
    """The IO manager's view of a fetch stream: chunks of `parent` rows with the stream's other tables
    as their children, and at the end the API calls `client` spent meanwhile (plus `statistics` of
    every parent chunk)."""
    before = client.stats.snapshot()
    children = [f.name for f in dataclasses.fields(fetched.empty) if f.name not in (parent, "skipped")]

    def chunks() -> Iterator[ParentRows]:
        for batch in fetched.chunks(parent, ROWS_PER_WRITE):
            frame = getattr(batch.rows, parent)
            if statistics is not None:
                statistics.add(frame)
            children_rows = {c: ChildRows(getattr(batch.rows, c), batch.parents_of(c)) for c in children}
            yield ParentRows(frame, children_rows)

    def summary() -> dict[str, dg.MetadataValue]:
        spent = api_metadata(client.stats.snapshot().since(before))
        return {**spent, **(statistics.metadata() if statistics is not None else {})}

    return RowStream(chunks(), summary)


def settle(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    stream: str,
    plan: RunPlan,
    failures: list[ShopFailure],
    skipped: list[str],
) -> None:
    """After the rows are committed: advance the marks of the shops that succeeded, remember the errors
    of those that did not, log skipped records, and fail the step naming each failed shop."""
    failed = {f.shop_id for f in failures}
    marks = {
        shop: datetime.fromtimestamp(max(w.time_to for w in windows), UTC)
        for shop, windows in plan.windows_by_shop.items()
        if shop not in failed and windows
    }
    with warehouse.begin() as conn:
        record_success(conn, stream, marks)
        for failure in failures:
            record_error(conn, stream, failure.shop_id, failure.describe())
    for reason in skipped:
        context.log.warning(f"skipped: {reason}")
    if failures:
        raise dg.Failure(
            description="\n".join(f.describe() for f in failures),
            metadata={"failed_shops": dg.MetadataValue.text(", ".join(str(s) for s in sorted(failed)))},
            allow_retries=not all(f.seller_action for f in failures),
        )
