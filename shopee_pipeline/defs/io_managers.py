"""`PostgresIOManager`: writes asset rows into the warehouse through the idempotent upsert path, and
loads a partition back for downstream assets.

Built like dagster-duckdb's `DbIOManager`: the table comes from the asset key; how to merge comes from
the output's definition metadata:
- `shopee/conflict_key` (and `shopee/guard_column`): upsert on that key, newest `update_time` wins;
- `shopee/children`: the child tables (items, packages) a `ParentRows` carries; each replaces, as a
  whole, the children of the parents it lists, in the same transaction as the parents, before them.
An output is a frame, a `ParentRows`, or a `RowStream` of `ParentRows` chunks. A frame or a
`ParentRows` is written in one transaction; a stream in one transaction per chunk, as the chunks arrive
(a reader never sees an order without its lines, and a run never holds a whole day in memory). The
write counts become output metadata.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import dagster as dg
import pandas as pd

from shopee_pipeline.defs.outputs import ParentRows, RowStream
from shopee_pipeline.defs.partitions import parse_partition_keys
from shopee_pipeline.defs.resources import WarehouseResource
from shopee_pipeline.settings import get_settings
from shopee_pipeline.sync.windows import day_bounds
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.lookups import rows_in_windows
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.warehouse.upsert import ChildrenSpec, UpsertSpec, WriteCounts, replace_children, upsert

CONFLICT_KEY = "shopee/conflict_key"
GUARD_COLUMN = "shopee/guard_column"
CHILDREN = "shopee/children"
# Chunks of a stream written at once, each on its own connection: while one waits on Postgres, the
# next is sent. Chunks hold distinct keys (a shop's orders are listed once), so they never conflict.
WRITERS = 2


def upsert_metadata(
    conflict_key: str, guard_column: str = "update_time", children: str = ""
) -> dict[str, str]:
    """Output metadata for a parent table: merge on `conflict_key`, children tables comma-separated."""
    return {CONFLICT_KEY: conflict_key, GUARD_COLUMN: guard_column, CHILDREN: children}


def _table(name: str):
    return tables.metadata.tables[name]


def write_counts_metadata(counts: WriteCounts, rows: int) -> dict[str, dg.MetadataValue]:
    """A table's write counts as output metadata: rows handed over, then inserted, updated and so on."""
    return {
        "dagster/row_count": dg.MetadataValue.int(rows),
        **{f"rows_{name}": dg.MetadataValue.int(n) for name, n in counts.as_dict().items()},
    }


class PostgresIOManager(dg.ConfigurableIOManager):
    """Stores each Shopee asset in its Postgres table (same name as the asset) with idempotent upserts."""

    warehouse: WarehouseResource

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame | ParentRows | RowStream) -> None:
        """Write `obj` (and the child rows it carries): one transaction per frame, `ParentRows` or
        stream chunk; report the counts."""
        table = _table(context.asset_key.path[-1])
        meta = context.definition_metadata
        stream = obj if isinstance(obj, RowStream) else RowStream([self._parent_rows(obj)])
        warehouse = self.warehouse.get()

        def write(chunk: ParentRows) -> dict[str, WriteCounts]:
            with warehouse.begin() as conn:
                return self._write(conn, warehouse, table.name, meta, chunk)

        rows = 0
        with ThreadPoolExecutor(WRITERS, thread_name_prefix="warehouse-write") as pool:
            pending: deque[Future[dict[str, WriteCounts]]] = deque()
            for chunk in stream.chunks:
                rows += len(chunk.frame)
                pending.append(pool.submit(write, chunk))
                while len(pending) >= WRITERS or (pending and pending[0].done()):
                    self._add(stream, pending.popleft().result())
            while pending:
                self._add(stream, pending.popleft().result())
        metadata = write_counts_metadata(stream.written.get(table.name, WriteCounts()), rows)
        for name, counts in stream.written.items():
            if name != table.name:
                metadata[f"{name}_rows_written"] = dg.MetadataValue.int(counts.inserted)
        context.add_output_metadata({**metadata, **stream.summary()})

    @staticmethod
    def _add(stream: RowStream, written: dict[str, WriteCounts]) -> None:
        for name, counts in written.items():
            stream.written[name] = stream.written.get(name, WriteCounts()) + counts

    @staticmethod
    def _parent_rows(obj: pd.DataFrame | ParentRows) -> ParentRows:
        if isinstance(obj, ParentRows):
            return obj
        if isinstance(obj, pd.DataFrame):
            return ParentRows(obj)
        raise TypeError(f"return a DataFrame, ParentRows or RowStream, not {type(obj).__name__}")

    @staticmethod
    def _write(conn, warehouse: Warehouse, name: str, meta, chunk: ParentRows) -> dict[str, WriteCounts]:
        """Children first, then their parents, in the caller's transaction; counts by table name."""
        table = _table(name)
        key, guard = meta[CONFLICT_KEY], meta.get(GUARD_COLUMN) or None
        written: dict[str, WriteCounts] = {}
        for child_name in filter(None, str(meta.get(CHILDREN, "")).split(",")):
            child = chunk.children[child_name]
            spec = ChildrenSpec(_table(child_name), table, key, guard or "update_time")
            written[child_name] = replace_children(conn, warehouse.schema, spec, child.frame, child.parents)
        written[name] = upsert(conn, warehouse.schema, UpsertSpec(table, (key,), guard), chunk.frame)
        return written

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        """The upstream table's rows of the input's partitions: the input's `columns` metadata when
        given (as in dagster-duckdb), else every column but the bulky `raw`."""
        table = _table(context.asset_key.path[-1])
        guard = context.upstream_output.definition_metadata.get(GUARD_COLUMN) or "update_time"
        tz = get_settings().timezone
        windows = [
            (shop, *day_bounds(day, tz)) for day, shop in parse_partition_keys(context.asset_partition_keys)
        ]
        columns = (context.definition_metadata or {}).get("columns") or [
            c.name for c in table.columns if c.name != "raw"
        ]
        with self.warehouse.get().connect() as conn:
            return rows_in_windows(conn, table, guard, windows, columns)
