"""Row plans: the columns and converters of one warehouse table, and object-dtype frames built from them.

Columns and their converters come from `shopee_pipeline.warehouse.tables`, so the frames cannot drift
from the tables: a new column of a known type is filled by name from the API object automatically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, Numeric, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from shopee_pipeline.normalize import convert
from shopee_pipeline.normalize.convert import Converter
from shopee_pipeline.warehouse.tables import BOOKKEEPING_COLUMNS


def columns_of(table: Table) -> list[str]:
    """The columns a normaliser fills for `table`: all but the bookkeeping ones (`synced_at`)."""
    return [c.name for c in table.columns if c.name not in BOOKKEEPING_COLUMNS]


def converter_for(column: Column) -> Converter:
    """The converter matching a column's SQL type (bigint, integer, numeric, bool, time, text, jsonb)."""
    kind = column.type
    if isinstance(kind, JSONB):
        return convert.to_json
    if isinstance(kind, Boolean):
        return convert.to_bool
    if isinstance(kind, DateTime):
        return convert.to_utc
    if isinstance(kind, BigInteger):
        return convert.to_int64
    if isinstance(kind, Integer):
        return convert.to_int32
    if isinstance(kind, Numeric):
        if kind.scale == 0 and kind.precision:
            return convert.integer_within_digits(kind.precision)
        return convert.to_decimal
    if isinstance(kind, String):
        return convert.to_text
    raise TypeError(f"no converter for {column.table.name}.{column.name} of type {kind!r}")


def empty_frame(table: Table) -> pd.DataFrame:
    """A zero-row object frame with exactly the columns of `table` (minus bookkeeping)."""
    return pd.DataFrame([], columns=columns_of(table), dtype=object)


class RowPlan:
    """How to turn one API object into one row tuple of `table`.

    Columns named in `special` are supplied by the caller per row; every other column is read from the
    source object under its own name and coerced by `overrides[name]` or the converter of its SQL type.
    """

    def __init__(
        self, table: Table, special: Iterable[str], overrides: Mapping[str, Converter] | None = None
    ) -> None:
        self.table = table
        self.columns = columns_of(table)
        special = frozenset(special)
        overrides = dict(overrides or {})
        unknown = (special | overrides.keys()) - set(self.columns)
        if unknown:
            raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
        self._overrides = overrides
        self._steps: list[tuple[str, Converter | None]] = [
            (name, None if name in special else self.converter(name)) for name in self.columns
        ]

    def converter(self, name: str) -> Converter:
        """How column `name` is converted: its override, else the converter of its SQL type."""
        return self._overrides.get(name) or converter_for(self.table.c[name])

    def row(self, source: Mapping[str, Any], specials: Mapping[str, Any]) -> tuple:
        """One row: special columns from `specials`, the rest converted from `source` by name."""
        get = source.get
        return tuple([specials[name] if conv is None else conv(get(name)) for name, conv in self._steps])

    def frame(self, records: Sequence[tuple]) -> pd.DataFrame:
        """An object-dtype frame of `records` (row tuples from `row`), with all columns even when empty."""
        return pd.DataFrame(list(records), columns=self.columns, dtype=object)


def latest_by_key(
    entries: Iterable[Any],
    key: str,
    kind: str,
    skipped: list[str],
    version: str = "update_time",
    key_of: Callable[[Mapping[str, Any]], str | None] | None = None,
) -> dict[str, tuple[datetime, dict]]:
    """Pick one version per `key` value: the greatest `version` time, the later one on a tie.

    Entries are cleaned with `convert.clean_api_object`. An entry that is not a dict, or lacks a usable key
    (non-empty text; `key_of(entry)` when given, e.g. a key derived from other fields) or `version`, is
    left out with a reason appended to `skipped`. Input order of first appearance is kept.
    """
    chosen: dict[str, tuple[datetime, dict]] = {}
    for position, entry in enumerate(entries):
        if type(entry) is not dict:
            skipped.append(f"{kind} #{position}: not an object but {convert.describe(entry)}")
            continue
        entry = convert.clean_api_object(entry)
        sn = key_of(entry) if key_of is not None else convert.to_text(entry.get(key))
        if not sn:
            skipped.append(
                f"{kind} #{position}: missing or unusable {key} {convert.describe(entry.get(key))}"
            )
            continue
        update_time = convert.to_utc(entry.get(version))
        if update_time is None:
            skipped.append(
                f"{kind} {sn}: missing or unusable {version} {convert.describe(entry.get(version))}"
            )
            continue
        previous = chosen.get(sn)
        if previous is None or update_time >= previous[0]:
            chosen[sn] = (update_time, entry)
    return chosen


def parents(frame: pd.DataFrame, key: str, guard: str, keep: Sequence[bool] | None = None) -> list[tuple]:
    """`(key, guard)` pairs of a parent frame, optionally only where `keep` is true."""
    if frame.empty:
        return []
    pairs = zip(frame[key].tolist(), frame[guard].tolist(), strict=True)
    if keep is None:
        return list(pairs)
    return [pair for pair, wanted in zip(pairs, keep, strict=True) if wanted]


def raw_has_list(frame: pd.DataFrame, *path: str) -> list[bool]:
    """For each row, whether `raw[path[0]][path[1]]...` is a list (the child collection was returned)."""
    flags = []
    for raw in frame["raw"].tolist() if not frame.empty else []:
        node: Any = raw
        for step in path:
            node = node.get(step) if type(node) is dict else None
        flags.append(type(node) is list)
    return flags


def child_objects(items: Any, owner: str, field: str, skipped: list[str]) -> list[tuple[int, dict]]:
    """`(line_index, object)` of a parent's child list `items` (its `field`; `owner` names the parent in
    reasons, e.g. "booking BK1"). Absent means no children; a list that is not one, or an entry that is
    not an object, is left out with a reason appended to `skipped`."""
    if items is None:
        return []
    if type(items) is not list:
        skipped.append(f"{owner}: {field} is not a list but {convert.describe(items)}")
        return []
    children = []
    for line_index, item in enumerate(items):
        if type(item) is dict:
            children.append((line_index, item))
        else:
            skipped.append(f"{owner}: item #{line_index} is {convert.describe(item)}")
    return children
