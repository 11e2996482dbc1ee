"""Reads the sync needs from the warehouse: known tracking numbers, the orders whose escrow is due, a
partition's figures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import (
    ARRAY,
    BigInteger,
    BindParameter,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    FromClause,
    Select,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    func,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.types import TypeEngine

from shopee_pipeline.warehouse.tables import escrow, escrow_releases, logistics, orders, returns

# Escrow cannot exist (nor change) before an order is paid: the escrow query skips these orders, and an
# order status push to one of them re-reads no escrow (sync/streams.py).
NO_ESCROW_STATUSES = ("UNPAID",)
Windows = Iterable[tuple[int, datetime, datetime]]


def known_tracking_numbers(conn: Connection, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Tracking numbers already stored for `(order_sn, package_number)` pairs (no API call needed)."""
    if not pairs:
        return {}
    rows = conn.execute(
        select(logistics.c.order_sn, logistics.c.package_number, logistics.c.tracking_number).where(
            logistics.c.order_sn == any_(_text_array(sn for sn, _ in pairs)),
            logistics.c.tracking_number.is_not(None),
            logistics.c.tracking_number != "",
        )
    )
    wanted = set(pairs)
    return {(sn, pkg): number for sn, pkg, number in (row._tuple() for row in rows) if (sn, pkg) in wanted}


def stored_update_times(
    conn: Connection, table: Table, key: str, shop_id: int, keys: Sequence[str]
) -> dict[str, int]:
    """The `update_time` (Unix seconds) `table` holds for each of one shop's `keys` it knows, by key
    as text (keys of any SQL type)."""
    if not keys:
        return {}
    column = table.c[key]
    rows = conn.execute(
        select(column, table.c.update_time).where(
            table.c.shop_id == shop_id, func.cast(column, Text) == any_(_text_array(keys))
        )
    )
    return {str(k): int(update_time.timestamp()) for k, update_time in (row._tuple() for row in rows)}


ESCROW_CANDIDATE_COLUMNS = ("order_sn", "shop_id", "order_status", "update_time")


def _escrow_due(
    source: FromClause, shop_ids: Sequence[int], scope: ColumnElement[bool], stale_only: bool = True
) -> Select:
    """Of the orders of `source` within `scope`, the paid ones whose stored escrow is missing or older
    than their version (the order's `update_time` or its newest return's, whichever is later), or whose
    release paid an amount other than the stored escrow's (`payout_amount` unequal to both
    `escrow_amount` and `escrow_amount_after_adjustment`: which one Shopee pays is unconfirmed) and was
    stored after it; with `stale_only` false, every paid one. With that version as `update_time`."""
    shops = sorted(set(shop_ids))
    newest_return = (
        select(returns.c.order_sn, func.max(returns.c.update_time).label("newest"))
        .where(returns.c.shop_id.in_(shops))
        .group_by(returns.c.order_sn)
        .subquery()
    )
    version = func.greatest(source.c.update_time, func.coalesce(newest_return.c.newest, source.c.update_time))
    return (
        select(source.c.order_sn, source.c.shop_id, source.c.order_status, version.label("update_time"))
        .select_from(
            source.outerjoin(newest_return, newest_return.c.order_sn == source.c.order_sn)
            .outerjoin(escrow, escrow.c.order_sn == source.c.order_sn)
            .outerjoin(escrow_releases, escrow_releases.c.order_sn == source.c.order_sn)
        )
        .where(
            scope,
            source.c.shop_id.in_(shops),
            or_(source.c.order_status.is_(None), source.c.order_status.not_in(NO_ESCROW_STATUSES)),
            or_(escrow.c.order_sn.is_(None), escrow.c.order_update_time < version, _paid_otherwise())
            if stale_only
            else true(),
        )
    )


def _no_orders() -> pd.DataFrame:
    return pd.DataFrame(columns=list(ESCROW_CANDIDATE_COLUMNS), dtype=object)


def _paid_otherwise() -> ColumnElement[bool]:
    """The order's release paid another amount than its stored escrow says, and was stored after it."""
    payout = escrow_releases.c.payout_amount
    return and_(
        payout.is_distinct_from(escrow.c.escrow_amount),
        payout.is_distinct_from(escrow.c.escrow_amount_after_adjustment),
        escrow.c.synced_at < escrow_releases.c.synced_at,
    )


def orders_needing_escrow(
    conn: Connection, shop_ids: Sequence[int], windows: Windows = (), only: Sequence[str] = ()
) -> pd.DataFrame:
    """The stored orders whose escrow is due, with the version it must reflect: `order_sn`, `shop_id`,
    `order_status` and `update_time`, the order's own or its newest return's, whichever is later.

    Candidates are the orders `only` names (every paid one comes back: a push asks for a re-read) or,
    without `only`, those changed in `windows` (`(shop_id, start, end)`), those whose returns changed
    in them and those released in them, of which only the paid ones whose stored escrow is missing or
    older than that version, or whose release paid another amount, come back (an escrow re-read that
    finds the same amount is asked again only by runs whose windows hold the release). The filter runs
    in Postgres: a tick late in the day reads the few orders that changed since their escrow, not the
    day's orders.
    """
    windows = list(windows)
    if only:
        scope = orders.c.order_sn == any_(_text_array(only))
    elif windows:
        returned = select(returns.c.order_sn).where(
            or_(*(_in_window(returns, "update_time", *window) for window in windows))
        )
        released = select(escrow_releases.c.order_sn).where(
            or_(*(_in_window(escrow_releases, "escrow_release_time", *window) for window in windows))
        )
        changed = (_in_window(orders, "update_time", *window) for window in windows)
        scope = or_(*changed, orders.c.order_sn.in_(returned), orders.c.order_sn.in_(released))
    else:
        return _no_orders()
    query = _escrow_due(orders, shop_ids, scope, stale_only=not only)
    return _frame(conn, query, list(query.selected_columns))


def escrow_due(conn: Connection, fetched: pd.DataFrame) -> pd.DataFrame:
    """Of orders just fetched from Shopee (`ESCROW_CANDIDATE_COLUMNS`, not necessarily stored yet), those
    whose escrow is due, with the version it must reflect (as `orders_needing_escrow`)."""
    if fetched.empty:
        return _no_orders()
    # One array parameter per column, unnested side by side: the statement's text (and SQLAlchemy's
    # compiled form of it, cached) stays the same whatever the batch.
    column_types: dict[str, TypeEngine | type[TypeEngine]] = {
        "order_sn": Text,
        "shop_id": BigInteger,
        "order_status": Text,
        "update_time": DateTime(timezone=True),
    }
    present = fetched[list(column_types)].astype(object)
    present = present.where(present.notna(), None)  # NaT and NaN (bad input) as NULL
    arrays = {name: (present[name].tolist(), type_) for name, type_ in column_types.items()}
    candidates = select(
        *(
            func.unnest(bindparam(f"candidate_{name}", values_, type_=ARRAY(type_))).label(name)
            for name, (values_, type_) in arrays.items()
        )
    ).subquery("candidates")
    query = _escrow_due(candidates, fetched["shop_id"].tolist(), true())
    return _frame(conn, query, list(query.selected_columns))


def _in_window(table: Table, column: str, shop_id: int, start: datetime, end: datetime) -> ColumnElement:
    return and_(table.c.shop_id == shop_id, table.c[column] >= start, table.c[column] < end)


def _text_array(values: Iterable[str]) -> BindParameter:
    """One array parameter: a query whose text does not grow (nor need parsing anew) with its keys."""
    return bindparam(None, sorted(set(values)), type_=ARRAY(Text))


def _frame(conn: Connection, query: Select, selected: Sequence[ColumnElement]) -> pd.DataFrame:
    result = conn.execute(query)
    return pd.DataFrame([tuple(r) for r in result], columns=[c.name for c in selected], dtype=object)


@dataclass
class PartitionFigures:
    """One shop-day of a table as it stands: its rows, the sum of its money column with the currency, and
    its rows per status."""

    rows: int = 0
    money: Decimal | None = None
    currency: str | None = None
    by_status: dict[str, int] = field(default_factory=dict)


def partition_figures(
    conn: Connection,
    table: Table,
    time_column: str,
    tz: ZoneInfo,
    windows: Windows,
    money_column: str | None = None,
    status_column: str | None = None,
) -> dict[tuple[int, date], PartitionFigures]:
    """Per `(shop_id, day in tz)` of `windows`: what `table` holds for it now (a partition's own figures,
    whatever part of it a run re-read)."""
    windows = list(windows)
    if not windows:
        return {}
    day = func.timezone(tz.key, table.c[time_column]).cast(Date).label("day")
    status = table.c[status_column] if status_column else null().cast(Text)
    money = func.sum(table.c[money_column]) if money_column else null().cast(Text)
    currency = func.min(table.c.currency) if "currency" in table.c else null().cast(Text)
    query = (
        select(table.c.shop_id, day, status.label("status"), func.count(), money, currency)
        .where(or_(*(_in_window(table, time_column, *window) for window in windows)))
        .group_by(table.c.shop_id, day, status)
    )
    figures: dict[tuple[int, date], PartitionFigures] = {}
    for shop_id, on, state, rows, total, unit in (row._tuple() for row in conn.execute(query)):
        entry = figures.setdefault((int(shop_id), on), PartitionFigures())
        entry.rows += rows
        if total is not None:
            entry.money = (entry.money or Decimal(0)) + Decimal(total)
        entry.currency = entry.currency or unit
        if status_column:
            entry.by_status[str(state or "UNKNOWN")] = rows
    return figures
