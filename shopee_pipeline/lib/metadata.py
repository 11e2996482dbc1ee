"""Asset metadata shared by the Shopee assets: column schemas, kinds, owners, write counts, API calls,
order statistics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import dagster as dg
import pandas as pd
from sqlalchemy import Table

from shopee_pipeline.shopee import StatsSnapshot
from shopee_pipeline.warehouse.write import Written

KINDS = {"shopee", "postgres"}
OWNERS = ["team:data-platform"]
SYNC_GROUP = "shopee"


def column_schema(table: Table) -> dg.TableSchema:
    """The table's columns, SQL types and descriptions (the data dictionary in `warehouse/tables.py`), for
    the Dagster UI's schema tab."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=column.name,
                type=str(column.type),
                description=column.comment,
                constraints=dg.TableColumnConstraints(nullable=column.nullable),
            )
            for column in table.columns
        ]
    )


def table_metadata(table: Table) -> dict[str, object]:
    """Definition metadata every Shopee asset carries: where it lives and its columns."""
    return {"dagster/column_schema": column_schema(table), "dagster/table_name": table.name}


def write_counts_metadata(written: Written) -> dict[str, dg.MetadataValue]:
    """A table's writes as metadata: rows handed over, then inserted, updated and so on."""
    return {
        "dagster/row_count": dg.MetadataValue.int(written.rows),
        **{f"rows_{name}": dg.MetadataValue.int(n) for name, n in written.counts.as_dict().items()},
    }


def api_metadata(spent: StatsSnapshot) -> dict[str, dg.MetadataValue]:
    """What the run spent on Shopee, as plottable numbers."""
    return {
        "api_calls": dg.MetadataValue.int(spent.total_calls),
        "api_retries": dg.MetadataValue.int(spent.retries),
        "api_backoff_seconds": dg.MetadataValue.float(round(spent.backoff_seconds, 3)),
        "api_token_refreshes": dg.MetadataValue.int(spent.refreshes),
    }


@dataclass
class OrderStatistics:
    """Order counts per status and GMV (sum of `total_amount`) of the orders seen, as plottable numbers."""

    gmv: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, frame: pd.DataFrame) -> None:
        """Count one chunk of `orders` rows."""
        self.gmv += float(sum(a for a in frame["total_amount"] if a is not None))
        self.statuses.update(str(s) for s in frame["order_status"].fillna("UNKNOWN"))

    def metadata(self) -> dict[str, dg.MetadataValue]:
        """GMV and `orders_<status>` counts."""
        stats: dict[str, dg.MetadataValue] = {"gmv": dg.MetadataValue.float(self.gmv)}
        for status, count in sorted(self.statuses.items()):
            stats[f"orders_{status.lower()}"] = dg.MetadataValue.int(count)
        return stats
