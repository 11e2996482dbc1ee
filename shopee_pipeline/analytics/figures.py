"""What each dbt build records on the materializations of its models: the row count, the sums of the
columns a model names in `config: meta: totals:` (schema.yml) and its columns with their database types
and descriptions. Read from the database once the model is built, through the relation names of the
build's own manifest (the schema is the build's, whatever the location was loaded with)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

T = TypeVar("T")
TOTALS_METADATA = "totals"
"""The JSON entry holding each total exactly (numeric as text); `total <column>` is its plottable copy."""


def model_totals(node: Mapping[str, Any]) -> list[str]:
    """The columns the model asks to be summed (`config: meta: totals:`), none by default."""
    return list(
        node.get("config", {}).get("meta", {}).get("totals") or node.get("meta", {}).get("totals") or []
    )


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def model_figures(conn: Connection, node: Mapping[str, Any]) -> dict[str, dg.MetadataValue | dg.TableSchema]:
    """The figures of one built model: its columns' types and descriptions (`dagster/column_schema`);
    for a table (a view is not counted: that would run its query) also `dagster/row_count`, each total
    as `total <column>` (plotted over builds) and all totals exactly in `totals`."""
    columns = conn.execute(
        text(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = :schema AND table_name = :name ORDER BY ordinal_position"
        ),
        {"schema": node["schema"], "name": node["alias"]},
    ).all()
    described = node.get("columns", {})
    metadata: dict[str, dg.MetadataValue | dg.TableSchema] = {
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(name, type=data_type, description=described.get(name, {}).get("description"))
                for name, data_type in (row._tuple() for row in columns)
            ]
        )
    }
    if node["config"].get("materialized") == "view":
        return metadata
    totals = model_totals(node)
    sums = ", ".join(["count(*)", *(f"sum({_quoted(column)})" for column in totals)])
    row = conn.execute(text(f"SELECT {sums} FROM {node['relation_name']}")).one()
    metadata["dagster/row_count"] = dg.MetadataValue.int(row[0])
    exact = {}
    for column, value in zip(totals, row[1:], strict=True):
        amount = value if value is not None else 0
        if isinstance(amount, Decimal) and int(amount.as_tuple().exponent) >= 0:
            amount = int(amount)  # the sum of a count (Postgres sums integers as numeric)
        plotted = (
            dg.MetadataValue.int(amount) if isinstance(amount, int) else dg.MetadataValue.float(float(amount))
        )
        metadata[f"total {column}"] = plotted
        exact[column] = str(amount) if isinstance(amount, Decimal) else amount
    if exact:
        metadata[TOTALS_METADATA] = dg.MetadataValue.json(exact)
    return metadata


def with_model_figures(
    events: Iterable[T], manifest_path: Path, engine: Engine, warn: Callable[[str], None]
) -> Iterator[T]:
    """`events` of a dbt build, each model's materialization with its `model_figures` added; a model
    whose figures cannot be read keeps its event as it is (`warn` says why)."""
    nodes: dict[str, Any] | None = None
    for event in events:
        if isinstance(event, dg.Output | dg.AssetMaterialization) and "unique_id" in event.metadata:
            nodes = nodes if nodes is not None else json.loads(manifest_path.read_text())["nodes"]
            node = nodes.get(str(event.metadata["unique_id"].value))
            if node is not None:
                try:
                    with engine.connect() as conn:
                        figures = model_figures(conn, node)
                except SQLAlchemyError as exc:
                    warn(f"no figures for {node['name']}: {str(exc).splitlines()[0]}")
                else:
                    event = event.with_metadata({**event.metadata, **figures})  # type: ignore[assignment]
        yield event
