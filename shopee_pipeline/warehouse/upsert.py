"""The write path: set-based, idempotent upserts and whole-collection replacement of child rows.

Rows are COPYed into a temporary staging table, then moved with one `INSERT ... ON CONFLICT DO UPDATE`
whose `WHERE` clause is the `update_time` guard: an older record never overwrites a newer one, and a
record equal to what is stored is not rewritten. Children (items, packages) are replaced per parent, in
the caller's transaction, only for parents whose incoming version is at least as new as the stored one
and whose children actually differ. A handful of statements per call, never one per row.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import orjson
import pandas as pd
import psycopg
from sqlalchemy import Connection, DateTime, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB

from shopee_pipeline.warehouse.tables import BOOKKEEPING_COLUMNS

_stage_names = itertools.count()


@dataclass(frozen=True)
class UpsertSpec:
    """How rows of `table` are merged: on `conflict_key`, newest `guard_column` wins."""

    table: Table
    conflict_key: tuple[str, ...]
    guard_column: str | None = "update_time"


@dataclass(frozen=True)
class ChildrenSpec:
    """Rows of `table` belong to a row of `parent` through `parent_key`; they are replaced as a whole.

    `guard_column` exists on both tables: children are only replaced when the incoming parent version
    is at least as new as the stored parent.
    """

    table: Table
    parent: Table
    parent_key: str
    guard_column: str = "update_time"


@dataclass
class WriteCounts:
    """What one write did: rows inserted, updated, left unchanged, refused as older, deleted."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_older: int = 0
    deleted: int = 0

    @property
    def written(self) -> int:
        """Rows inserted or updated."""
        return self.inserted + self.updated

    @property
    def received(self) -> int:
        """Rows handed to the write: written, unchanged or refused as older."""
        return self.written + self.unchanged + self.skipped_older

    def __add__(self, other: WriteCounts) -> WriteCounts:
        return WriteCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(WriteCounts)))

    def as_dict(self) -> dict[str, int]:
        """The counts by name, for logs and Dagster metadata."""
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped_older": self.skipped_older,
            "deleted": self.deleted,
        }


def _driver(conn: Connection) -> psycopg.Connection:
    """The psycopg connection under `conn`: COPY and the staging statements go through it."""
    driver = conn.connection.driver_connection
    if driver is None:
        raise RuntimeError("the connection was closed")
    return driver


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _qualified(table: Table, schema: str) -> str:
    return f"{_q(schema)}.{_q(table.name)}"


def _clean(value: Any) -> Any:
    """One value as COPY wants it: NaN/NaT as NULL, dicts and lists as jsonb, pandas times as datetime."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict | list):
        return _jsonb(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _jsonb(value: Any) -> Any:
    """Dicts and lists as JSON text, which COPY parses into jsonb: orjson takes a fraction of the time of
    the stdlib `json` behind psycopg's `Jsonb` wrapper."""
    if isinstance(value, dict | list):
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return value


def _records(
    table: Table, rows: pd.DataFrame | Iterable[dict[str, Any]], columns: Sequence[str]
) -> Iterable[list]:
    """Rows as lists ready for COPY, in `columns` order.

    A frame is cleaned column by column (one vectorised null pass, jsonb wrapping only on jsonb columns):
    per-value checks on every cell of 100,000 rows cost more than the COPY itself.
    """
    if not isinstance(rows, pd.DataFrame):
        return ([_clean(row.get(c)) for c in columns] for row in rows)
    missing = [c for c in columns if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack columns {missing}")
    values = rows[list(columns)].to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    for position, name in enumerate(columns):
        kind = table.c[name].type
        if isinstance(kind, JSONB):
            values[:, position] = [_jsonb(v) for v in values[:, position]]
        elif isinstance(kind, DateTime):
            values[:, position] = [
                v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in values[:, position]
            ]
    return values.tolist()


def _stage(conn: Connection, table: Table, schema: str, rows: Any, columns: Sequence[str]) -> str:
    """COPY `rows` into a fresh temporary table shaped like `table`; return its name."""
    stage = f"_stage_{table.name}_{next(_stage_names)}"
    with _driver(conn).cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE {_q(stage)} (LIKE {_qualified(table, schema)} INCLUDING DEFAULTS) "
            "ON COMMIT DROP"
        )
        column_list = ", ".join(_q(c) for c in columns)
        with cur.copy(f"COPY {_q(stage)} ({column_list}) FROM STDIN") as copy:
            for record in _records(table, rows, columns):
                copy.write_row(record)
    return stage


def _written_columns(table: Table, rows: pd.DataFrame | Iterable[dict]) -> list[str]:
    """The table's columns that the caller supplies (all but bookkeeping ones for plain dict rows)."""
    names = [c.name for c in table.columns if c.name not in BOOKKEEPING_COLUMNS]
    if isinstance(rows, pd.DataFrame):
        return [c for c in names if c in rows.columns]
    return names


def _compared_columns(table: Table, columns: Sequence[str], exclude: Iterable[str]) -> list[str]:
    skip = set(exclude) | BOOKKEEPING_COLUMNS
    return [c for c in columns if c not in skip]


def _scalar(conn: Connection, sql: str) -> int:
    with _driver(conn).cursor() as cur:
        cur.execute(sql)
        row = cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def upsert(
    conn: Connection, schema: str, spec: UpsertSpec, rows: pd.DataFrame | Iterable[dict]
) -> WriteCounts:
    """Merge `rows` into `spec.table` in the caller's transaction; return what happened.

    Within `rows`, the newest version of a key wins. A stored row with a newer guard value is kept, and
    a row identical to the stored one is not rewritten (its `synced_at` stays as it was).
    """
    table = spec.table
    columns = _written_columns(table, rows)
    stage = _stage(conn, table, schema, rows, columns)
    target = _qualified(table, schema)
    key = ", ".join(_q(c) for c in spec.conflict_key)
    col_list = ", ".join(_q(c) for c in columns)
    compared = _compared_columns(table, columns, spec.conflict_key)
    order = f"{key}, {_q(spec.guard_column)} DESC" if spec.guard_column else key
    distinct = f"SELECT DISTINCT ON ({key}) {col_list} FROM {_q(stage)} ORDER BY {order}"
    conditions = []
    skipped_older = 0
    if spec.guard_column:
        guard = _q(spec.guard_column)
        conditions.append(f"excluded.{guard} >= t.{guard}")
        join = " AND ".join(f"s.{_q(c)} = t.{_q(c)}" for c in spec.conflict_key)
        skipped_older = _scalar(
            conn,
            f"SELECT count(*) FROM ({distinct}) s JOIN {target} t ON {join} WHERE s.{guard} < t.{guard}",
        )
    if compared:
        old = ", ".join(f"t.{_q(c)}" for c in compared)
        new = ", ".join(f"excluded.{_q(c)}" for c in compared)
        conditions.append(f"ROW({old}) IS DISTINCT FROM ROW({new})")
        updates = [f"{_q(c)} = excluded.{_q(c)}" for c in compared]
        if "synced_at" in table.c:
            updates.append('"synced_at" = now()')
        action = f"DO UPDATE SET {', '.join(updates)} WHERE {' AND '.join(conditions)}"
    else:
        action = "DO NOTHING"
    with _driver(conn).cursor() as cur:
        cur.execute(
            f"INSERT INTO {target} AS t ({col_list}) {distinct} ON CONFLICT ({key}) {action} "
            "RETURNING (xmax = 0)"
        )
        flags = [row[0] for row in cur.fetchall()]
    inserted = sum(1 for f in flags if f)
    updated = len(flags) - inserted
    distinct_rows = _scalar(conn, f"SELECT count(*) FROM (SELECT DISTINCT {key} FROM {_q(stage)}) d")
    return WriteCounts(
        inserted=inserted,
        updated=updated,
        unchanged=distinct_rows - inserted - updated - skipped_older,
        skipped_older=skipped_older,
    )


def replace_children(
    conn: Connection,
    schema: str,
    spec: ChildrenSpec,
    rows: pd.DataFrame | Iterable[dict],
    parents: Iterable[tuple[Any, Any]],
) -> WriteCounts:
    """Replace the children of each `(parent_key_value, guard_value)` in `parents` with `rows`.

    A parent listed with no rows loses all its children (lines removed upstream disappear here). A
    parent whose stored version is newer than the incoming one keeps its children; a parent whose
    children are unchanged is not touched. Counts are of child rows.
    """
    table, parent_key, guard = spec.table, spec.parent_key, spec.guard_column
    columns = _written_columns(table, rows)
    stage = _stage(conn, table, schema, rows, columns)
    pstage = f"_stage_parents_{next(_stage_names)}"
    raw = _driver(conn)
    with raw.cursor() as cur:
        key_type = spec.parent.c[parent_key].type.compile(dialect=postgresql.dialect())
        cur.execute(
            f"CREATE TEMP TABLE {_q(pstage)} (k {key_type} PRIMARY KEY, g timestamptz) ON COMMIT DROP"
        )
        with cur.copy(f"COPY {_q(pstage)} (k, g) FROM STDIN") as copy:
            for key_value, guard_value in dict(parents).items():
                copy.write_row((key_value, _clean(guard_value)))
    target, parent = _qualified(table, schema), _qualified(spec.parent, schema)
    key_columns = [c.name for c in table.primary_key.columns]
    compared = _compared_columns(table, columns, [])
    fingerprint = "md5(string_agg(ROW({cols})::text, '|' ORDER BY {order}))".format(
        cols=", ".join(_q(c) for c in compared), order=", ".join(_q(c) for c in key_columns)
    )
    pk, g = _q(parent_key), _q(guard)
    with raw.cursor() as cur:
        cur.execute(
            f"""
            CREATE TEMP TABLE {_q(pstage + "_todo")} ON COMMIT DROP AS
            WITH eligible AS (
                SELECT p.k, (t.{pk} IS NOT NULL AND p.g < t.{g}) AS older
                FROM {_q(pstage)} p LEFT JOIN {parent} t ON t.{pk} = p.k
            ),
            stored AS (
                SELECT {pk} AS k, {fingerprint} AS f FROM {target}
                WHERE {pk} IN (SELECT k FROM eligible WHERE NOT older) GROUP BY {pk}
            ),
            -- Only parents with stored children need the incoming fingerprint: the others are replaced.
            incoming AS (
                SELECT {pk} AS k, {fingerprint} AS f FROM {_q(stage)}
                WHERE {pk} IN (SELECT k FROM stored) GROUP BY {pk}
            )
            SELECT e.k, e.older,
                   (NOT e.older AND (s.k IS NULL OR i.f IS DISTINCT FROM s.f)) AS replace
            FROM eligible e LEFT JOIN incoming i ON i.k = e.k LEFT JOIN stored s ON s.k = e.k
            """
        )
        todo = _q(pstage + "_todo")
        cur.execute(f"DELETE FROM {target} WHERE {pk} IN (SELECT k FROM {todo} WHERE replace)")
        deleted = cur.rowcount
        col_list = ", ".join(_q(c) for c in columns)
        cur.execute(
            f"INSERT INTO {target} ({col_list}) SELECT {col_list} FROM {_q(stage)} "
            f"WHERE {pk} IN (SELECT k FROM {todo} WHERE replace)"
        )
        inserted = cur.rowcount
        cur.execute(
            f"SELECT count(*) FILTER (WHERE t.older), count(*) FILTER (WHERE NOT t.older AND NOT t.replace) "
            f"FROM {_q(stage)} s JOIN {todo} t ON t.k = s.{pk}"
        )
        counted = cur.fetchone()
        skipped_older, unchanged = counted if counted is not None else (0, 0)
    return WriteCounts(inserted=inserted, unchanged=unchanged, skipped_older=skipped_older, deleted=deleted)
