"""What every sync asset shares: its run options, the plan of windows per shop, writing a stream and
reporting it, settling a run, and failing at once on errors no retry can heal."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import dagster as dg
from sqlalchemy import Table

from shopee_pipeline import clock
from shopee_pipeline.lib.metadata import (
    RunFigures,
    api_counts,
    partition_metadata,
    run_metadata,
    write_counts,
)
from shopee_pipeline.lib.partitions import parse_partition_keys
from shopee_pipeline.permanent_errors import permanent_error
from shopee_pipeline.run_tags import DAYS_TAG, SHOP_NAME_TAG, SHOPS_TAG, SYNC_TAG
from shopee_pipeline.settings import get_settings
from shopee_pipeline.shopee import ShopeeClient
from shopee_pipeline.sync.fetch import FetchStream, ShopFailure, StoredVersions
from shopee_pipeline.sync.streams import SYNC_ASSET_KEYS, StreamSpec
from shopee_pipeline.sync.windows import (
    Window,
    day_bounds,
    days_by_shop,
    full_read_due,
    shop_windows,
    whole_window,
)
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.lookups import PartitionFigures, partition_figures, stored_update_times
from shopee_pipeline.warehouse.readiness import ensure_syncable
from shopee_pipeline.warehouse.shops import shop_label, shop_names
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.warehouse.sync_state import high_water_marks, record_error, record_success
from shopee_pipeline.warehouse.upsert import ChildrenSpec, UpsertSpec
from shopee_pipeline.warehouse.write import ChildRows, Chunk, Written, write_chunks

P = ParamSpec("P")
DATA_VERSION_TAG = "dagster/data_version"
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


def partition_windows(partition_keys: Iterable[str], tz: ZoneInfo) -> list[tuple[int, datetime, datetime]]:
    """`(shop_id, start, end)` of each partition key's day in `tz`: what reads by partition filter on."""
    return [(shop, *day_bounds(day, tz)) for day, shop in parse_partition_keys(partition_keys)]


def lock_holder(context: dg.AssetExecutionContext) -> str:
    """How a run names itself on its shop locks (what a run waiting for them logs)."""
    return f"dagster run {context.run.run_id[:8]} ({context.op_def.name})"


class SyncConfig(dg.Config):
    """Options of a sync run (all optional).

    `full_resync`: re-read whole days even where an incremental read from the high-water mark would do
    (a stream read whole once a day, such as items, is then read whole).
    `only`: sync just these records (by the stream's key: order_sn for orders and escrow, booking_sn for
    bookings, ...) of the partition's shop: what the webhook sensor asks for.
    """

    full_resync: bool = False
    only: list[str] = []


@dataclass(frozen=True)
class RunPlan:
    """The shops of a run, their days, and the update_time windows to read for each."""

    days_by_shop: dict[int, list[date]]
    windows_by_shop: dict[int, list[Window]]
    targeted: dict[int, list[str]]
    full_reads: dict[int, datetime] = field(default_factory=dict)

    def full_read_outcome(self, stream: StreamSpec, outcome: StreamOutcome) -> StreamOutcome:
        """The whole reads of `stream` this run made, as the outcome of its `full_read_stream`: the time
        each shop that did not fail began its whole read becomes that shop's mark."""
        failed = {f.shop_id for f in outcome.failures}
        marks = {shop: at for shop, at in self.full_reads.items() if shop not in failed}
        return StreamOutcome(full_read_stream(stream), [], [], marks)


def stored_versions(warehouse: Warehouse, stream: StreamSpec, plan: RunPlan) -> StoredVersions | None:
    """What `stream`'s table holds of each key's `update_time`: its key details are skipped for objects
    whose version did not move. None (ask them all) for a stream without key details or a run re-reading
    pushed keys (a push may concern what `update_time` does not track); nothing for the shops `plan`
    reads whole."""
    if not stream.key_details or plan.targeted:
        return None

    def versions(shop_id: int, keys: list[str]) -> dict[str, int]:
        if shop_id in plan.full_reads:
            return {}
        with warehouse.connect() as conn:
            return stored_update_times(conn, _table(stream.table), stream.conflict_key, shop_id, keys)

    return versions


def full_read_stream(stream: StreamSpec) -> str:
    """The `sync_state` stream whose high-water mark is when `stream` was last read whole."""
    return f"{stream.name}:full"


TAG_VALUE_LIMIT = 200
"""Characters of a run tag value we write (shop names are free text)."""


def run_labels(
    assets: Iterable[str], days: Mapping[int, list[date]], names: Mapping[int, str]
) -> dict[str, str]:
    """Tags naming what a sync run covers: its shops (`shopee/shops`, and `shopee/shop_name` for one
    shop), its days (`shopee/days`) and all of it in words (`shopee/sync`: "every synced asset" when it
    holds them all), shops by name; the days are kept whole when a long title is cut."""
    shops = sorted(days)
    every_day = sorted({day for shop_days in days.values() for day in shop_days})
    span = str(every_day[0]) if len(every_day) == 1 else f"{every_day[0]}..{every_day[-1]}"
    listed = ", ".join(shop_label(shop, names) for shop in shops[:5])
    listed += f" and {len(shops) - 5} more shops" if len(shops) > 5 else ""
    assets = list(assets)
    what = "every synced asset" if set(SYNC_ASSET_KEYS) <= set(assets) else ", ".join(assets)
    tags = {
        SHOPS_TAG: ",".join(str(shop) for shop in shops)[:TAG_VALUE_LIMIT],
        DAYS_TAG: span,
        SYNC_TAG: f"{what} of {listed}"[: TAG_VALUE_LIMIT - len(span) - 2] + f", {span}",
    }
    if len(shops) == 1 and shops[0] in names:
        tags[SHOP_NAME_TAG] = names[shops[0]][:TAG_VALUE_LIMIT]
    return tags


def label_run(
    context: dg.AssetExecutionContext, days: Mapping[int, list[date]], names: Mapping[int, str]
) -> None:
    """Add to the run the `run_labels` it lacks (a run from the UI, a backfill or `dagster asset
    materialize` carries none of ours; a tick's or a push's keeps its own)."""
    order = {key: i for i, key in enumerate(SYNC_ASSET_KEYS)}
    job_assets = context.job_def.asset_layer.selected_asset_keys  # a job's run (a tick's) names no assets
    assets = sorted(
        (key.to_user_string() for key in context.run.asset_selection or job_assets),
        key=lambda key: order.get(key, len(order)),
    )
    missing = {k: v for k, v in run_labels(assets, days, names).items() if k not in context.run.tags}
    if missing:
        context.instance.add_run_tags(context.run.run_id, missing)


def plan_run(
    context: dg.AssetExecutionContext, warehouse: Warehouse, stream: StreamSpec, config: SyncConfig
) -> RunPlan:
    """Turn the run's partition keys and config into windows, reading the stream's high-water marks.
    Every shop of the run must be connected and active (`UnsyncableShopsError` otherwise); the run is
    labelled with its shops and days (`label_run`)."""
    settings = get_settings()
    days = days_by_shop(parse_partition_keys(context.partition_keys))
    if config.only and len(days) != 1:
        raise dg.Failure("run config 'only' needs a run over a single shop's partitions", allow_retries=False)
    with warehouse.connect() as conn:
        ensure_syncable(conn, list(days))
        label_run(context, days, shop_names(conn, list(days)))
        if config.only:
            return RunPlan(days, {}, {next(iter(days)): list(config.only)})
        marks = high_water_marks(conn, stream.name, list(days))
        whole = high_water_marks(conn, full_read_stream(stream), list(days)) if stream.daily_full_read else {}
    now = clock.now()
    overlap = timedelta(minutes=settings.overlap_minutes)
    windows = {
        shop: shop_windows(shop_days, settings.timezone, now, marks.get(shop), overlap, config.full_resync)
        for shop, shop_days in days.items()
    }
    full_reads = {
        shop: now
        for shop, shop_days in days.items()
        if stream.daily_full_read
        and (
            config.full_resync
            or full_read_due(shop_days, now, settings.timezone, settings.full_read_at, whole.get(shop))
        )
    }
    windows |= {shop: [whole_window(now)] for shop in full_reads}
    return RunPlan(days, windows, {}, full_reads)


# Parent rows (orders, escrows, bookings) per write transaction: large enough that a write's fixed cost
# (a few statements) vanishes, small enough that a run holds tens of megabytes, not a day of shops.
ROWS_PER_WRITE = 2000


def _table(name: str) -> Table:
    return tables.metadata.tables[name]


def _chunks(fetched: FetchStream, spec: StreamSpec, tz: ZoneInfo) -> Iterator[Chunk]:
    """The fetch stream regrouped into write chunks: `spec`'s parent rows with its child tables' rows
    and its snapshots' rows (seen now)."""
    for batch in fetched.chunks(spec.table, ROWS_PER_WRITE):
        parent = batch.rows[spec.table]
        children = {c: ChildRows(batch.rows[c], batch.parents_of(c)) for c in spec.child_tables}
        seen_at = clock.now()
        snapshots = {
            s.table: s.rows(parent, spec.conflict_key, batch.rows[s.source], seen_at, tz)
            for s in spec.snapshots
        }
        yield Chunk(parent, children, snapshots)


Materialization = dg.MaterializeResult | dg.AssetMaterialization


@dataclass(frozen=True)
class StreamWrite:
    """What writing one stream did: the rows written per table and how its fetch ended, both known only
    once the whole stream was consumed."""

    written: dict[str, Written]
    outcome: StreamOutcome


def write_rows(
    warehouse: Warehouse,
    spec: StreamSpec,
    fetched: FetchStream,
    windows_by_shop: Mapping[int, list[Window]] | None = None,
) -> StreamWrite:
    """Fetch and write `spec`'s rows chunk by chunk as they arrive (each chunk's children before its
    parents in one transaction); then, the stream consumed, what was written per table and the stream's
    outcome (with the high-water marks of `windows_by_shop` for the shops that did not fail)."""
    parent = _table(spec.table)
    children = {
        name: ChildrenSpec(_table(name), parent, spec.conflict_key, spec.guard_column)
        for name in spec.child_tables
    }
    upsert_spec = UpsertSpec(parent, (spec.conflict_key,), spec.guard_column)
    snapshots = {
        s.table: UpsertSpec(
            _table(s.table), tuple(c.name for c in _table(s.table).primary_key.columns), s.seen_column
        )
        for s in spec.snapshots
    }
    tz = get_settings().timezone
    written = write_chunks(warehouse, upsert_spec, children, _chunks(fetched, spec, tz), snapshots)
    return StreamWrite(written, StreamOutcome.of(spec.name, fetched, windows_by_shop))


def run_totals(spec: StreamSpec, written: Mapping[str, Written], extra: RunFigures) -> dict[str, RunFigures]:
    """The run totals of each asset of `spec`: its write counts; the parent's also its child tables' rows
    (`<child>_rows_written`) and `extra`."""
    return {
        spec.table: {
            **write_counts(written[spec.table]),
            **{f"{name}_rows_written": written[name].rows for name in spec.child_tables},
            **extra,
        },
        **{child: write_counts(written[child]) for child in spec.child_assets},
    }


def write_stream(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    spec: StreamSpec,
    fetched: FetchStream,
    client: ShopeeClient,
    windows_by_shop: Mapping[int, list[Window]],
) -> tuple[list[Materialization], StreamOutcome]:
    """`write_rows`, then each asset of the stream reported (`materializations`: the run's write counts
    and the API calls `client` spent meanwhile, as the run's totals, and each partition's own figures),
    with the stream's outcome."""
    before = client.stats.snapshot()
    done = write_rows(warehouse, spec, fetched, windows_by_shop)
    spent = api_counts(client.stats.snapshot().since(before))
    return materializations(context, warehouse, spec, run_totals(spec, done.written, spent)), done.outcome


def materializations(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    spec: StreamSpec,
    run_totals: Mapping[str, RunFigures],
) -> list[Materialization]:
    """One materialization per asset of `spec` and partition of the run, each with that partition's own
    figures as the table now holds them (`partition_metadata`), so plots over partitions are right after
    any range run. A one-partition run reports everything in its `MaterializeResult`; a range run's
    `MaterializeResult` carries only the run's totals (entry `run`; Dagster records it on every partition
    of the range), followed by one `AssetMaterialization` per partition with its figures, which is then
    that partition's latest."""
    tz = get_settings().timezone
    keys = [str(key) for key in context.partition_keys]
    days = parse_partition_keys(keys)
    windows = partition_windows(keys, tz)
    events: list[Materialization] = []
    with warehouse.connect() as conn:
        names = shop_names(conn, {shop for _, shop in days})
        for asset_key in spec.asset_keys:
            is_parent = asset_key == spec.table
            money = spec.money if is_parent else None
            figures = partition_figures(
                conn,
                _table(asset_key),
                spec.guard_column,
                tz,
                windows,
                money_column=money[1] if money else None,
                status_column=spec.status_column if is_parent else None,
            )
            label = money[0] if money else None
            own = {
                key: {
                    "shop": dg.MetadataValue.text(shop_label(shop, names)),
                    **partition_metadata(figures.get((shop, day), PartitionFigures()), label, shop),
                }
                for key, (day, shop) in zip(keys, days, strict=True)
            }
            totals = dict(run_totals.get(asset_key, {}))
            if len(keys) == 1:
                metadata = {**run_metadata(totals), **own[keys[0]]}
                events.append(dg.MaterializeResult(asset_key=asset_key, metadata=metadata))
                continue
            totals["partitions"] = len(keys)
            # One data version on all of them: Dagster's provenance then sees one materialization.
            version = dg.DataVersion(context.run.run_id)
            events.append(
                dg.MaterializeResult(asset_key=asset_key, metadata=run_metadata(totals), data_version=version)
            )
            events += [
                dg.AssetMaterialization(
                    asset_key=asset_key,
                    partition=key,
                    metadata=metadata,
                    tags={DATA_VERSION_TAG: version.value},
                )
                for key, metadata in own.items()
            ]
    return events


@dataclass(frozen=True)
class StreamOutcome:
    """How one stream's fetch ended: its shops' failures, the records it skipped and, for a stream read
    by update_time windows, the high-water mark each shop reached."""

    stream: str
    failures: list[ShopFailure]
    skipped: list[str]
    marks: Mapping[int, datetime] = field(default_factory=dict)

    @classmethod
    def of(
        cls, stream: str, fetched: FetchStream, windows_by_shop: Mapping[int, list[Window]] | None = None
    ) -> StreamOutcome:
        """The outcome of `fetched`, once iterated; with `windows_by_shop`, the marks its shops reached."""
        marks = marks_after(windows_by_shop, fetched.failures) if windows_by_shop else {}
        return cls(stream, list(fetched.failures), list(fetched.skipped), marks)


def marks_after(
    windows_by_shop: Mapping[int, list[Window]], failures: list[ShopFailure]
) -> dict[int, datetime]:
    """The high-water mark each shop that did not fail reaches: the end of its last window read."""
    failed = {f.shop_id for f in failures}
    return {
        shop: datetime.fromtimestamp(max(w.time_to for w in windows), UTC)
        for shop, windows in windows_by_shop.items()
        if shop not in failed and windows
    }


def settle(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    outcomes: Iterable[StreamOutcome],
) -> None:
    """After the rows are committed, for each stream's outcome: advance the shops' high-water marks (a
    stream read by key rather than by windows has none), remember the errors of the shops that failed
    and log skipped records; then fail the step naming each failed shop."""
    outcomes = list(outcomes)
    with warehouse.begin() as conn:
        for outcome in outcomes:
            if outcome.marks:
                record_success(conn, outcome.stream, dict(outcome.marks))
            for failure in outcome.failures:
                record_error(conn, outcome.stream, failure.shop_id, failure.describe())
    for reason in (reason for outcome in outcomes for reason in outcome.skipped):
        context.log.warning(f"skipped: {reason}")
    failures = [failure for outcome in outcomes for failure in outcome.failures]
    if failures:
        failed = sorted({f.shop_id for f in failures})
        raise dg.Failure(
            description="\n".join(f.describe() for f in failures),
            metadata={"failed_shops": dg.MetadataValue.text(", ".join(str(s) for s in failed))},
            allow_retries=not all(f.seller_action for f in failures),
        )
