"""Asset metadata shared by the Shopee assets: column schemas, kinds, owners, a run's write counts and
API calls (one JSON entry `run`, never plotted), and each partition's own figures (plotted per shop)."""

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


RUN_METADATA = "run"
"""The metadata entry holding what a run did (`rows_written`, `api_calls`, ...): one JSON value, so the
UI's plots over partitions show only the partitions' own figures."""
RunFigures = dict[str, int | float]


def write_counts(written: Written) -> RunFigures:
    """What a run wrote to a table: rows handed over, then inserted, updated and so on."""
    return {
        "rows_written": written.rows,
        **{f"rows_{name}": n for name, n in written.counts.as_dict().items()},
    }


def api_counts(spent: StatsSnapshot) -> RunFigures:
    """What the run spent on Shopee."""
    return {
        "api_calls": spent.total_calls,
        "api_retries": spent.retries,
        "api_backoff_seconds": round(spent.backoff_seconds, 3),
        "api_token_refreshes": spent.refreshes,
    }


def run_metadata(figures: RunFigures) -> dict[str, dg.MetadataValue]:
    """`figures` of a run as its one `run` entry."""
    return {RUN_METADATA: dg.MetadataValue.json(dict(figures))}


def money_text(amount: Decimal, currency: str | None) -> str:
    """`IDR 6,415,900` (whole units when the amount has no cents, else two decimals)."""
    figure = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{currency} {figure}" if currency else figure


def shop_series(name: str, shop_id: int) -> str:
    """The metadata key of one shop's plot of `name` (`gmv of shop 123456`): the UI plots each key over
    the partitions that carry it, so one key per shop is one line over that shop's days."""
    return f"{name} of shop {shop_id}"


def partition_metadata(
    figures: PartitionFigures, money_label: str | None, shop_id: int
) -> dict[str, dg.MetadataValue]:
    """A partition's own figures, as it stands after the run: its rows (`dagster/row_count`, and plotted
    per shop), its money (as text with the currency and separators, and plotted per shop) and its rows
    per status."""
    metadata: dict[str, dg.MetadataValue] = {
        "dagster/row_count": dg.MetadataValue.int(figures.rows),
        shop_series("rows", shop_id): dg.MetadataValue.int(figures.rows),
    }
    if money_label:
        amount = figures.money or Decimal(0)
        metadata[shop_series(money_label, shop_id)] = dg.MetadataValue.float(float(amount))
        metadata[f"{money_label}_text"] = dg.MetadataValue.text(money_text(amount, figures.currency))
        if figures.currency:
            metadata["currency"] = dg.MetadataValue.text(figures.currency)
    if figures.by_status:
        metadata["rows_by_status"] = dg.MetadataValue.json(dict(sorted(figures.by_status.items())))
    return metadata
