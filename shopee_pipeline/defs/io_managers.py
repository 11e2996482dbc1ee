"""`PostgresIOManager`: writes asset rows into the warehouse through the idempotent upsert path, and
loads a partition back for downstream assets.

Built like dagster-duckdb's `DbIOManager`: the table comes from the asset key; how to merge comes from
the output's definition metadata:
- `shopee/conflict_key` (and `shopee/guard_column`): upsert on that key, newest `update_time` wins;
- `shopee/children`: the child tables (items, packages) each `ParentRows` chunk carries; each replaces,
  as a whole, the children of the parents it lists, in the same transaction as the parents, before them.
An output is a `RowStream` of `ParentRows` chunks, written one transaction per chunk as the chunks arrive
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
from shopee_pipeline.defs.sync_runs import fail_at_once_on_permanent_errors
from shopee_pipeline.settings import get_settings
from shopee_pipeline.sync.windows import day_bounds
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.lookups import rows_in_windows
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

    @fail_at_once_on_permanent_errors()
    def handle_output(self, context: dg.OutputContext, obj: RowStream) -> None:
        """Write the stream's chunks (children, then parents) one transaction each, `WRITERS` at once;
        report the counts."""
        if not isinstance(obj, RowStream):
            raise TypeError(f"a Shopee asset returns a RowStream, not {type(obj).__name__}")
        table = _table(context.asset_key.path[-1])
        meta = context.definition_metadata
        key, guard = meta[CONFLICT_KEY], meta.get(GUARD_COLUMN) or None
        parent_spec = UpsertSpec(table, (key,), guard)
        child_specs = {
            name: ChildrenSpec(_table(name), table, key, guard or "update_time")
            for name in filter(None, str(meta.get(CHILDREN, "")).split(","))
        }
        warehouse = self.warehouse.get()

        def write(chunk: ParentRows) -> dict[str, WriteCounts]:
            with warehouse.begin() as conn:
                written = {
                    name: replace_children(
                        conn, warehouse.schema, spec, chunk.children[name].frame, chunk.children[name].parents
                    )
                    for name, spec in child_specs.items()
                }
                written[table.name] = upsert(conn, warehouse.schema, parent_spec, chunk.frame)
                return written

        def add(written: dict[str, WriteCounts]) -> None:
            for name, counts in written.items():
                obj.written[name] = obj.written.get(name, WriteCounts()) + counts

        rows = 0
        with ThreadPoolExecutor(WRITERS, thread_name_prefix="warehouse-write") as pool:
            pending: deque[Future[dict[str, WriteCounts]]] = deque()
            for chunk in obj.chunks:
                rows += len(chunk.frame)
                pending.append(pool.submit(write, chunk))
                while len(pending) >= WRITERS or (pending and pending[0].done()):
                    add(pending.popleft().result())
            while pending:
                add(pending.popleft().result())
        metadata = write_counts_metadata(obj.written.get(table.name, WriteCounts()), rows)
        for name, counts in obj.written.items():
            if name != table.name:
                metadata[f"{name}_rows_written"] = dg.MetadataValue.int(counts.inserted)
        context.add_output_metadata({**metadata, **obj.summary()})

    @fail_at_once_on_permanent_errors()
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
