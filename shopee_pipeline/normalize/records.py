"""One normaliser for every declared stream: API objects -> one frame per table, from a `RecordShape`.

A stream's parent objects become one row each in its table (the latest `update_time` per key wins); each
child list becomes rows of a child table keyed by the parent's key and `line_index`. Every column is read
under its own name and converted by its SQL type (`frames.RowPlan`), unless the shape says otherwise:
`fields` reads a column from other paths of the object (the first that converts to a value wins),
`overrides` converts it differently, `required` skips a record that lacks it. What a shape cannot say
(orders' packages, escrow's money) keeps a normaliser of its own that returns the same `TableRows`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from shopee_pipeline.normalize.convert import Converter
from shopee_pipeline.normalize.frames import RowPlan, child_objects, latest_by_key, parents, raw_has_list
from shopee_pipeline.warehouse import tables

PARENT_SPECIALS = ("shop_id", "raw")
CHILD_SPECIALS = ("line_index", "shop_id", "raw")


def _child_specials(table: str) -> tuple[str, ...]:
    """The special columns of a child table: `line_index` only where the table keys lines by it."""
    columns = tables.metadata.tables[table].c
    return tuple(name for name in CHILD_SPECIALS if name in columns)


@dataclass
class TableRows:
    """Frames of one stream's tables by table name (object dtype, no `synced_at`), and the reasons records
    were skipped. A table's frame reads as `rows["orders"]` or `rows.orders`."""

    frames: dict[str, pd.DataFrame]
    skipped: list[str] = field(default_factory=list)

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.frames[table]

    def __getattr__(self, table: str) -> pd.DataFrame:
        try:
            return self.__dict__["frames"][table]
        except KeyError:
            raise AttributeError(table) from None


@dataclass(frozen=True)
class FieldPaths:
    """A column read from `paths` of the object (tuples of keys, or of list positions: `("price_info", 0,
    "currency")`), the first converting to a value winning; `convert` replaces the column's own
    converter."""

    paths: tuple[tuple[str | int, ...], ...]
    convert: Converter | None = None


@dataclass(frozen=True)
class ChildShape:
    """Rows of `table`, one per entry of the parent's `list_field`, keyed by the parent's key and
    `line_index` (when the table has one; else by the entries' own key columns); `fields` as in
    `RecordShape`. A parent whose `self_unless` field is false is its own single entry, with `self_fields`
    set (an item without variations is its own model 0)."""

    table: str
    list_field: str
    fields: Mapping[str, FieldPaths] = field(default_factory=dict)
    self_unless: str | None = None
    self_fields: Mapping[str, Any] = field(default_factory=dict)

    def is_own_entry(self, record: Mapping[str, Any]) -> bool:
        """Whether `record` is its own single entry (its `self_unless` field is false)."""
        return self.self_unless is not None and record.get(self.self_unless) is False

    def entries(self, record: Mapping[str, Any], owner: str, skipped: list[str]) -> list[tuple[int, dict]]:
        """`(line_index, entry)` of the record's child list, or the record itself as its own entry."""
        if self.is_own_entry(record):
            return [(0, {**record, **self.self_fields})]
        return child_objects(record.get(self.list_field), owner, self.list_field, skipped)


@dataclass(frozen=True)
class RecordShape:
    """How a stream's objects become rows: parent `table` keyed by `key` (a record named `kind` in skip
    reasons; `key_of` reads it where an object may lack it, e.g. `ListEndpoint.key_of`), the newest
    `version` (a time field, also a column of the parent and child tables) winning per key, columns read
    by `fields` or converted by `overrides`, records lacking a `required` column skipped, and the
    `children` lists."""

    table: str
    key: str
    kind: str
    fields: Mapping[str, FieldPaths] = field(default_factory=dict)
    overrides: Mapping[str, Converter] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    children: tuple[ChildShape, ...] = ()
    version: str = "update_time"
    key_of: Callable[[Mapping[str, Any]], str | None] | None = None

    @property
    def tables(self) -> tuple[str, ...]:
        """The parent table, then the child tables."""
        return (self.table, *(child.table for child in self.children))


def _read(source: Mapping[str, Any], paths: FieldPaths, default: Converter) -> Any:
    convert = paths.convert or default
    for path in paths.paths:
        node: Any = source
        for step in path:
            if type(step) is int:
                node = node[step] if type(node) is list and len(node) > step else None
            else:
                node = node.get(step) if type(node) is dict else None
        value = convert(node)
        if value is not None:
            return value
    return None


class _Plan:
    """A table's `RowPlan` with the columns its shape reads by path."""

    def __init__(
        self,
        table: str,
        specials: Iterable[str],
        fields: Mapping[str, FieldPaths],
        overrides: Mapping[str, Converter] | None = None,
    ) -> None:
        self.rows = RowPlan(tables.metadata.tables[table], {*specials, *fields}, overrides)
        self._fields = {name: (paths, self.rows.converter(name)) for name, paths in fields.items()}

    def read(self, source: Mapping[str, Any]) -> dict[str, Any]:
        return {name: _read(source, paths, conv) for name, (paths, conv) in self._fields.items()}


class RecordNormaliser:
    """The normaliser of one `RecordShape` (plans built once, then `normalize` per page or batch)."""

    def __init__(self, shape: RecordShape) -> None:
        self.shape = shape
        parent_specials = (shape.key, shape.version, *PARENT_SPECIALS)
        self._parent = _Plan(shape.table, parent_specials, shape.fields, shape.overrides)
        self._children = [
            (
                child,
                _Plan(child.table, (shape.key, shape.version, *_child_specials(child.table)), child.fields),
            )
            for child in shape.children
        ]

    def empty(self) -> TableRows:
        """Rows with no record: every frame with its columns."""
        return self.normalize(0, [])

    def normalize(self, shop_id: int, objects: Iterable[Any]) -> TableRows:
        """Rows of one shop's `objects`: one parent row per key (a duplicate keeps the greatest
        version), one child row per entry of each child list; records without a usable key, version or
        required column are skipped with a reason."""
        shape = self.shape
        skipped: list[str] = []
        shop_id = int(shop_id)
        parent_rows: list[tuple] = []
        child_rows: dict[str, list[tuple]] = {child.table: [] for child in shape.children}
        latest = latest_by_key(objects, shape.key, shape.kind, skipped, shape.version, shape.key_of)
        for key, (version, record) in latest.items():
            read = self._parent.read(record)
            lacking = next((column for column in shape.required if read.get(column) in (None, "")), None)
            if lacking:
                skipped.append(f"{shape.kind} {key}: missing or unusable {lacking}")
                continue
            parent = {shape.key: key, "shop_id": shop_id, shape.version: version}
            parent_rows.append(self._parent.rows.row(record, {**parent, **read, "raw": record}))
            for child, plan in self._children:
                for line_index, entry in child.entries(record, f"{shape.kind} {key}", skipped):
                    specials = {**parent, **plan.read(entry), "line_index": line_index, "raw": entry}
                    child_rows[child.table].append(plan.rows.row(entry, specials))
        frames = {shape.table: self._parent.rows.frame(parent_rows)}
        frames |= {child.table: plan.rows.frame(child_rows[child.table]) for child, plan in self._children}
        return TableRows(frames, skipped)

    def parents(self, rows: TableRows) -> dict[str, list[tuple[str, datetime]]]:
        """For each child table, `(key, update_time)` of the parents whose object carried the child list:
        only those have their stored children replaced (an object without the list keeps them)."""
        frame = rows[self.shape.table]
        raws = frame["raw"].tolist()
        return {
            child.table: parents(
                frame,
                self.shape.key,
                self.shape.version,
                [
                    listed or child.is_own_entry(raw)
                    for listed, raw in zip(raw_has_list(frame, child.list_field), raws, strict=True)
                ],
            )
            for child in self.shape.children
        }
