"""Asset checks, evaluated by the syncing step right after its rows are committed.

Each looks at every stored row of the run's shops and reports `rows_checked` and `rows_failing` as
numbers (plotted by the UI over runs) and names up to 20 failing orders in `examples`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import dagster as dg

from shopee_pipeline import clock
from shopee_pipeline.warehouse import quality, tables
from shopee_pipeline.warehouse.quality import CheckOutcome
from shopee_pipeline.warehouse.store import Warehouse

ITEM_TOTAL_TOLERANCE = 0.02

ORDER_CHECKS = [
    dg.AssetCheckSpec(
        "every_order_has_items",
        asset="orders",
        description="Every order of the run's shops has at least one row in `order_items`.",
    ),
    dg.AssetCheckSpec(
        "items_belong_to_orders",
        asset="order_items",
        description="Every row of `order_items` of the run's shops has its order in `orders`.",
    ),
    dg.AssetCheckSpec(
        "packages_belong_to_orders",
        asset="logistics",
        description="Every package in `logistics` of the run's shops has its order in `orders`.",
    ),
    dg.AssetCheckSpec(
        "item_totals_match_order_total",
        asset="orders",
        description=(
            "A warning. For each paid order without bundle-deal lines, `total_amount` (what the buyer "
            "paid) against its item lines (model_discounted_price x model_quantity_purchased): with its "
            "escrow stored, the lines less vouchers and coins plus `buyer_paid_shipping_fee` must equal "
            f"it within {ITEM_TOTAL_TOLERANCE:.0%}; without, it may not exceed the lines plus "
            "`estimated_shipping_fee`."
        ),
    ),
]

ESCROW_CHECKS = [
    dg.AssetCheckSpec(
        "completed_orders_have_escrow",
        asset="escrow",
        description=(
            "Every order of the run's shops COMPLETED (last changed) more than a day ago has its row in "
            "`escrow` (what the seller receives)."
        ),
    )
]


def _result(
    name: str,
    asset: str,
    outcome: CheckOutcome,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=asset,
        passed=outcome.rows_failing == 0,
        severity=severity,
        metadata={
            "rows_checked": dg.MetadataValue.int(outcome.rows_checked),
            "rows_failing": dg.MetadataValue.int(outcome.rows_failing),
            "examples": dg.MetadataValue.text(", ".join(outcome.examples) or "none"),
        },
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
    day_ago = clock.now() - timedelta(days=1)
    with warehouse.connect() as conn:
        yield _result(
            "completed_orders_have_escrow",
            "escrow",
            quality.completed_without_escrow(conn, shop_ids, day_ago),
        )
