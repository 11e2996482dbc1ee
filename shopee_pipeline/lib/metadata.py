"""Asset metadata shared by the Shopee assets: column schemas, kinds, owners, a run's write counts and
API calls (labelled `run_*`), and each partition's own figures."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
from sqlalchemy import Table

from shopee_pipeline.shopee import StatsSnapshot
from shopee_pipeline.warehouse.lookups import PartitionFigures
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
                constraints=dg.TableColumnConstraints(nullable=bool(column.nullable)),
            )
            for column in table.columns
        ]
    )


def table_metadata(table: Table) -> dict[str, object]:
    """Definition metadata every Shopee asset carries: where it lives and its columns."""
    return {"dagster/column_schema": column_schema(table), "dagster/table_name": table.name}


def write_counts_metadata(written: Written) -> dict[str, dg.MetadataValue]:
    """What a run wrote to a table, labelled as run totals: rows handed over, then inserted, updated and
    so on."""
    return {
        "run_rows_written": dg.MetadataValue.int(written.rows),
        **{f"run_rows_{name}": dg.MetadataValue.int(n) for name, n in written.counts.as_dict().items()},
    }


def api_metadata(spent: StatsSnapshot) -> dict[str, dg.MetadataValue]:
    """What the run spent on Shopee, as plottable run totals."""
    return {
        "run_api_calls": dg.MetadataValue.int(spent.total_calls),
        "run_api_retries": dg.MetadataValue.int(spent.retries),
        "run_api_backoff_seconds": dg.MetadataValue.float(round(spent.backoff_seconds, 3)),
        "run_api_token_refreshes": dg.MetadataValue.int(spent.refreshes),
    }


def money_text(amount: Decimal, currency: str | None) -> str:
    """`IDR 6,415,900` (whole units when the amount has no cents, else two decimals)."""
    figure = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{currency} {figure}" if currency else figure


def partition_metadata(figures: PartitionFigures, money_label: str | None) -> dict[str, dg.MetadataValue]:
    """A partition's own figures, as it stands after the run: its rows (`dagster/row_count`), its money
    (plottable, and as text with the currency and separators) and its rows per status."""
    metadata: dict[str, dg.MetadataValue] = {"dagster/row_count": dg.MetadataValue.int(figures.rows)}
    if money_label:
        amount = figures.money or Decimal(0)
        metadata[money_label] = dg.MetadataValue.float(float(amount))
        metadata[f"{money_label}_text"] = dg.MetadataValue.text(money_text(amount, figures.currency))
        if figures.currency:
            metadata["currency"] = dg.MetadataValue.text(figures.currency)
    if figures.by_status:
        metadata["rows_by_status"] = dg.MetadataValue.json(dict(sorted(figures.by_status.items())))
    return metadata
