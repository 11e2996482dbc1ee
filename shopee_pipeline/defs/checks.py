"""Asset checks, evaluated by the syncing step right after its rows are committed.

Each looks at the shops of the run and names up to 20 offending orders.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dagster as dg

from shopee_pipeline.warehouse import quality, tables
from shopee_pipeline.warehouse.store import Warehouse

ITEM_TOTAL_TOLERANCE = 0.5

ORDER_CHECKS = [
    dg.AssetCheckSpec(
        "every_order_has_items", asset="orders", description="Every order has at least one item line."
    ),
    dg.AssetCheckSpec(
        "items_belong_to_orders", asset="order_items", description="No item line without its order."
    ),
    dg.AssetCheckSpec(
        "packages_belong_to_orders", asset="logistics", description="No package without its order."
    ),
    dg.AssetCheckSpec(
        "item_totals_match_order_total",
        asset="orders",
        description=f"Item subtotals agree with total_amount within {ITEM_TOTAL_TOLERANCE:.0%} (a warning).",
    ),
]

ESCROW_CHECKS = [
    dg.AssetCheckSpec(
        "completed_orders_have_escrow",
        asset="escrow",
        description="Every order completed more than a day ago has its escrow (what the seller receives).",
    )
]


def _result(
    name: str, asset: str, offenders: list[str], severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=asset,
        passed=not offenders,
        severity=severity,
        metadata={"examples": dg.MetadataValue.text(", ".join(offenders) or "none")},
    )


def order_check_results(warehouse: Warehouse, shop_ids: list[int]) -> Iterator[dg.AssetCheckResult]:
    """Results of `ORDER_CHECKS` over the given shops."""
    with warehouse.connect() as conn:
        yield _result("every_order_has_items", "orders", quality.orders_without_items(conn, shop_ids))
        yield _result(
            "items_belong_to_orders",
            "order_items",
            quality.orphan_children(conn, tables.order_items, shop_ids),
        )
        yield _result(
            "packages_belong_to_orders",
            "logistics",
            quality.orphan_children(conn, tables.logistics, shop_ids),
        )
        yield _result(
            "item_totals_match_order_total",
            "orders",
            quality.item_total_mismatches(conn, shop_ids, ITEM_TOTAL_TOLERANCE),
            dg.AssetCheckSeverity.WARN,
        )


def escrow_check_results(warehouse: Warehouse, shop_ids: list[int]) -> Iterator[dg.AssetCheckResult]:
    """Results of `ESCROW_CHECKS` over the given shops."""
    day_ago = datetime.now(UTC) - timedelta(days=1)
    with warehouse.connect() as conn:
        yield _result(
            "completed_orders_have_escrow",
            "escrow",
            quality.completed_without_escrow(conn, shop_ids, day_ago),
        )
