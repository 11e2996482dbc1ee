"""One normaliser for every declared stream: API objects -> one frame per table, from a `RecordShape`.

A stream's parent objects become one row each in its table (the latest `update_time` per key wins); each
child list becomes rows of a child table keyed by the parent's key and `line_index`. Every column is read
under its own name and converted by its SQL type (`frames.RowPlan`), unless the shape says otherwise:
`fields` reads a column from other paths of the object (the first that converts to a value wins),
`overrides` converts it differently, `required` skips a record that lacks it. What a shape cannot say
(orders' packages, escrow's money) keeps a normaliser of its own that returns the same `TableRows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from shopee_pipeline.normalize.convert import Converter
from shopee_pipeline.normalize.frames import RowPlan, child_objects, latest_by_key, parents, raw_has_list
from shopee_pipeline.warehouse import tables

PARENT_SPECIALS = ("shop_id", "update_time", "raw")
CHILD_SPECIALS = ("line_index", "shop_id", "update_time", "raw")


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
    """A column read from `paths` of the object (tuples of keys), the first converting to a value winning;
    `convert` replaces the column's own converter."""

    paths: tuple[tuple[str, ...], ...]
    convert: Converter | None = None


@dataclass(frozen=True)
class ChildShape:
    """Rows of `table`, one per entry of the parent's `list_field`, keyed by the parent's key and
    `line_index`; `fields` as in `RecordShape`."""

    table: str
    list_field: str
    fields: Mapping[str, FieldPaths] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordShape:
    """How a stream's objects become rows: parent `table` keyed by `key` (a record named `kind` in skip
    reasons), columns read by `fields` or converted by `overrides`, records lacking a `required` column
    skipped, and the `children` lists."""

    table: str
    key: str
    kind: str
    fields: Mapping[str, FieldPaths] = field(default_factory=dict)
    overrides: Mapping[str, Converter] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    children: tuple[ChildShape, ...] = ()

    @property
    def tables(self) -> tuple[str, ...]:
        """The parent table, then the child tables."""
        return (self.table, *(child.table for child in self.children))


def _read(source: Mapping[str, Any], paths: FieldPaths, default: Converter) -> Any:
    convert = paths.convert or default
    for path in paths.paths:
        node: Any = source
        for step in path:
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
        self._parent = _Plan(shape.table, (shape.key, *PARENT_SPECIALS), shape.fields, shape.overrides)
        self._children = [
            (child, _Plan(child.table, (shape.key, *CHILD_SPECIALS), child.fields))
            for child in shape.children
        ]

    def empty(self) -> TableRows:
        """Rows with no record: every frame with its columns."""
        return self.normalize(0, [])

    def normalize(self, shop_id: int, objects: Iterable[Any]) -> TableRows:
        """Rows of one shop's `objects`: one parent row per key (a duplicate keeps the greatest
        `update_time`), one child row per entry of each child list; records without a usable key,
        `update_time` or required column are skipped with a reason."""
        shape = self.shape
        skipped: list[str] = []
        shop_id = int(shop_id)
        parent_rows: list[tuple] = []
        child_rows: dict[str, list[tuple]] = {child.table: [] for child in shape.children}
        for key, (update_time, record) in latest_by_key(objects, shape.key, shape.kind, skipped).items():
            read = self._parent.read(record)
            lacking = next((column for column in shape.required if read.get(column) in (None, "")), None)
            if lacking:
                skipped.append(f"{shape.kind} {key}: missing or unusable {lacking}")
                continue
            parent = {shape.key: key, "shop_id": shop_id, "update_time": update_time}
            parent_rows.append(self._parent.rows.row(record, {**parent, **read, "raw": record}))
            for child, plan in self._children:
                entries = child_objects(
                    record.get(child.list_field), f"{shape.kind} {key}", child.list_field, skipped
                )
                for line_index, entry in entries:
                    specials = {**parent, **plan.read(entry), "line_index": line_index, "raw": entry}
                    child_rows[child.table].append(plan.rows.row(entry, specials))
        frames = {shape.table: self._parent.rows.frame(parent_rows)}
        frames |= {child.table: plan.rows.frame(child_rows[child.table]) for child, plan in self._children}
        return TableRows(frames, skipped)

    def parents(self, rows: TableRows) -> dict[str, list[tuple[str, datetime]]]:
        """For each child table, `(key, update_time)` of the parents whose object carried the child list:
        only those have their stored children replaced (an object without the list keeps them)."""
        frame = rows[self.shape.table]
        return {
            child.table: parents(frame, self.shape.key, "update_time", raw_has_list(frame, child.list_field))
            for child in self.shape.children
        }
