"""The data dictionary: after `upgrade` every table and column of the schema carries a Postgres comment
(what Supabase's table editor shows), each synced asset's Dagster column schema describes its columns with
the same words, and a comment changed in `tables.py` alone is drift the migrations test reports."""

from __future__ import annotations

import dagster as dg
from sqlalchemy import MetaData, text

from shopee_pipeline.definitions import defs
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.migrate import VERSION_TABLE, schema_differences

# The tables an asset of the sync location shows: the synced ones and the `shops` registry.
ASSET_TABLES = {
    "shops",
    "orders",
    "order_items",
    "logistics",
    "escrow",
    "bookings",
    "returns",
    "items",
    "item_models",
    "stock_history",
    "product_costs",
    "wallet_transactions",
    "escrow_releases",
}

# Every column of every ordinary table in the schema, in column order, with its comment and its table's.
DESCRIPTIONS = text(
    """
    SELECT c.relname, obj_description(c.oid, 'pg_class'), a.attname, col_description(c.oid, a.attnum)
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') AND c.relname <> :version_table
    ORDER BY c.relname, a.attnum
    """
)


def _postgres_descriptions(warehouse) -> tuple[dict[str, str | None], dict[str, dict[str, str | None]]]:
    """The schema's table comments and, per table, its columns' comments in column order, read from
    pg_catalog."""
    table_comments: dict[str, str | None] = {}
    column_comments: dict[str, dict[str, str | None]] = {}
    with warehouse.engine.connect() as conn:
        rows = conn.execute(DESCRIPTIONS, {"schema": warehouse.schema, "version_table": VERSION_TABLE})
        for table, table_comment, column, column_comment in rows:
            table_comments[table] = table_comment
            column_comments.setdefault(table, {})[column] = column_comment
    return table_comments, column_comments


def test_every_table_and_column_of_the_schema_has_a_comment(warehouse) -> None:
    table_comments, column_comments = _postgres_descriptions(warehouse)
    assert set(table_comments) == set(tables.metadata.tables)  # every table we define, nothing else
    assert sum(map(len, column_comments.values())) == sum(
        len(t.columns) for t in tables.metadata.sorted_tables
    )
    undescribed_tables = sorted(
        name for name, comment in table_comments.items() if not (comment or "").strip()
    )
    undescribed_columns = sorted(
        f"{table}.{column}"
        for table, columns in column_comments.items()
        for column, comment in columns.items()
        if not (comment or "").strip()
    )
    assert undescribed_tables == [] and undescribed_columns == []


def test_each_synced_asset_describes_its_columns_with_the_postgres_comments(warehouse) -> None:
    _, column_comments = _postgres_descriptions(warehouse)
    specs = [spec for spec in defs.resolve_all_asset_specs() if "dagster/column_schema" in spec.metadata]
    assert {spec.metadata["dagster/table_name"] for spec in specs} == ASSET_TABLES
    for spec in specs:
        schema = spec.metadata["dagster/column_schema"]
        assert isinstance(schema, dg.TableSchema), spec.key
        described = {column.name: column.description for column in schema.columns}  # in column order
        assert list(described.items()) == list(column_comments[spec.metadata["dagster/table_name"]].items())


def test_a_comment_changed_only_in_tables_py_is_drift(warehouse) -> None:
    drifted = MetaData()
    for table in tables.metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["orders"].c.note.comment = "a new wording"
    drifted.tables["shops"].comment = "a new table wording"

    changes = schema_differences(warehouse.engine, warehouse.schema, drifted)
    kinds = {(c[0][0], c[0][3]) if isinstance(c, list) else (c[0], c[1].name) for c in changes}
    assert kinds == {("modify_comment", "note"), ("add_table_comment", "shops")}
