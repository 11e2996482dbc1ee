"""`PostgresIOManager`: writes asset frames into the warehouse through the idempotent upsert path,
and loads a partition back for downstream assets.

Built like dagster-duckdb's `DbIOManager`: the table comes from the asset key; how to merge comes from
the output's definition metadata:
- `shopee/conflict_key` (and `shopee/guard_column`): upsert on that key, newest `update_time` wins;
- `shopee/parent` + `shopee/parent_key`: the output is `ChildRows`, child rows (items, packages) that
  replace the children of the `(key, update_time)` parents it lists;
- `shopee/children`: the output is `ParentRows`, whose child tables are replaced in the same
  transaction as their parents, before them.
Each output is written in one transaction; the write counts become output metadata.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

from shopee_pipeline.defs.outputs import ChildRows, ParentRows
from shopee_pipeline.defs.partitions import parse_partition_keys
from shopee_pipeline.defs.resources import WarehouseResource
from shopee_pipeline.settings import get_settings
from shopee_pipeline.sync.windows import day_bounds
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.lookups import rows_in_windows
from shopee_pipeline.warehouse.upsert import ChildrenSpec, UpsertSpec, WriteCounts, replace_children, upsert

CONFLICT_KEY = "shopee/conflict_key"
GUARD_COLUMN = "shopee/guard_column"
PARENT = "shopee/parent"
PARENT_KEY = "shopee/parent_key"
CHILDREN = "shopee/children"


def upsert_metadata(
    conflict_key: str, guard_column: str = "update_time", children: str = ""
) -> dict[str, str]:
    """Output metadata for a parent table: merge on `conflict_key`, children tables comma-separated."""
    return {CONFLICT_KEY: conflict_key, GUARD_COLUMN: guard_column, CHILDREN: children}


def child_metadata(parent: str, parent_key: str) -> dict[str, str]:
    """Output metadata for a child table replaced as a whole per row of `parent`."""
    return {PARENT: parent, PARENT_KEY: parent_key}


def _table(name: str):
    return tables.metadata.tables[name]


class PostgresIOManager(dg.ConfigurableIOManager):
    """Stores each Shopee asset in its Postgres table (same name as the asset) with idempotent upserts."""

    warehouse: WarehouseResource

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame | ChildRows | ParentRows) -> None:
        """Write `obj` (and the child rows it carries) in one transaction; report the counts."""
        table = _table(context.asset_key.path[-1])
        meta = context.definition_metadata
        warehouse = self.warehouse.get()
        child_counts: dict[str, WriteCounts] = {}
        with warehouse.begin() as conn:
            if PARENT in meta:
                if not isinstance(obj, ChildRows):
                    raise TypeError(
                        f"{table.name} holds child rows: return ChildRows, not {type(obj).__name__}"
                    )
                frame = obj.frame
                spec = ChildrenSpec(table, _table(meta[PARENT]), meta[PARENT_KEY])
                counts = replace_children(conn, warehouse.schema, spec, frame, obj.parents)
            else:
                frame = obj.frame if isinstance(obj, ParentRows) else obj
                children = obj.children if isinstance(obj, ParentRows) else {}
                key, guard = meta[CONFLICT_KEY], meta.get(GUARD_COLUMN) or None
                for name in filter(None, str(meta.get(CHILDREN, "")).split(",")):
                    child = children[name]
                    child_spec = ChildrenSpec(_table(name), table, key, guard or "update_time")
                    child_counts[name] = replace_children(
                        conn, warehouse.schema, child_spec, child.frame, child.parents
                    )
                counts = upsert(conn, warehouse.schema, UpsertSpec(table, (key,), guard), frame)
        metadata: dict[str, object] = {
            "dagster/row_count": dg.MetadataValue.int(len(frame)),
            **{f"rows_{name}": dg.MetadataValue.int(n) for name, n in counts.as_dict().items()},
        }
        for name, child in child_counts.items():
            metadata[f"{name}_rows_written"] = dg.MetadataValue.int(child.inserted)
        context.add_output_metadata(metadata)

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        """The upstream table's rows of the input's partitions (without the bulky `raw` column)."""
        table = _table(context.asset_key.path[-1])
        guard = context.upstream_output.definition_metadata.get(GUARD_COLUMN) or "update_time"
        tz = get_settings().timezone
        windows = [
            (shop, *day_bounds(day, tz)) for day, shop in parse_partition_keys(context.asset_partition_keys)
        ]
        columns = [c.name for c in table.columns if c.name != "raw"]
        with self.warehouse.get().connect() as conn:
            return rows_in_windows(conn, table, guard, windows, columns)
