"""Reads the sync needs from the warehouse: known tracking numbers, escrow versions, a partition's rows,
the rows a push names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    or_,
    select,
)

from shopee_pipeline.warehouse.tables import escrow, logistics


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
    return {(sn, pkg): number for sn, pkg, number in rows if (sn, pkg) in wanted}


def escrow_versions(conn: Connection, order_sns: Sequence[str]) -> dict[str, datetime]:
    """For each order with stored escrow: the order `update_time` that escrow was fetched at."""
    if not order_sns:
        return {}
    rows = conn.execute(
        select(escrow.c.order_sn, escrow.c.order_update_time).where(
            escrow.c.order_sn == any_(_text_array(order_sns))
        )
    )
    return {sn: t for sn, t in rows}


def _text_array(values: Iterable[str]) -> BindParameter:
    """One array parameter: a query whose text does not grow (nor need parsing anew) with its keys."""
    return bindparam(None, sorted(set(values)), type_=ARRAY(Text))


def rows_in_windows(
    conn: Connection,
    table: Table,
    time_column: str,
    windows: Iterable[tuple[int, datetime, datetime]],
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows of `table` whose `time_column` falls in `[start, end)` of one of `(shop_id, start, end)`."""
    selected = [table.c[name] for name in columns] if columns else list(table.c)
    clauses = [
        and_(table.c.shop_id == shop_id, table.c[time_column] >= start, table.c[time_column] < end)
        for shop_id, start, end in windows
    ]
    if not clauses:
        return pd.DataFrame(columns=[c.name for c in selected], dtype=object)
    return _frame(conn, select(*selected).where(or_(*clauses)), selected)


def rows_with_keys(
    conn: Connection,
    table: Table,
    key_column: str,
    keys: Iterable[str],
    shop_ids: Iterable[int],
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows of `table` of the given shops whose `key_column` is one of `keys`, whatever day they fall on
    (what a push names: its day may lie outside the run's partitions)."""
    selected = [table.c[name] for name in columns] if columns else list(table.c)
    query = select(*selected).where(
        table.c[key_column] == any_(_text_array(keys)), table.c.shop_id.in_(sorted(set(shop_ids)))
    )
    return _frame(conn, query, selected)


def _frame(conn: Connection, query: Select, selected: Sequence[ColumnElement]) -> pd.DataFrame:
    result = conn.execute(query)
    return pd.DataFrame([tuple(r) for r in result], columns=[c.name for c in selected], dtype=object)
