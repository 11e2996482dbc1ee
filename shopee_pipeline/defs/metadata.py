"""Asset metadata shared by the Shopee assets: column schemas, kinds, owners, order statistics."""

from __future__ import annotations

import dagster as dg
import pandas as pd
from sqlalchemy import Table

KINDS = {"shopee", "postgres"}
OWNERS = ["team:data-platform"]
SYNC_GROUP = "shopee"


def column_schema(table: Table) -> dg.TableSchema:
    """The table's columns and SQL types, for the Dagster UI's schema tab."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=column.name,
                type=str(column.type),
                constraints=dg.TableColumnConstraints(nullable=column.nullable),
            )
            for column in table.columns
        ]
    )


def table_metadata(table: Table) -> dict[str, object]:
    """Definition metadata every Shopee asset carries: where it lives and its columns."""
    return {"dagster/column_schema": column_schema(table), "dagster/table_name": table.name}


def order_statistics(orders: pd.DataFrame) -> dict[str, dg.MetadataValue]:
    """Order counts per status and GMV (sum of `total_amount`) of a frame, as plottable numbers."""
    stats: dict[str, dg.MetadataValue] = {
        "gmv": dg.MetadataValue.float(float(sum(a for a in orders["total_amount"] if a is not None))),
    }
    for status, count in orders["order_status"].fillna("UNKNOWN").value_counts().items():
        stats[f"orders_{str(status).lower()}"] = dg.MetadataValue.int(int(count))
    return stats
