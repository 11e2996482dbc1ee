"""Data-quality queries behind the asset checks: each counts the rows it checked and the rows failing,
and names up to `limit` failing orders, in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Table,
    case,
    distinct,
    exists,
    func,
    select,
)

from shopee_pipeline.warehouse.tables import escrow, order_items, orders

EXAMPLES = 20


@dataclass(frozen=True)
class CheckOutcome:
    """How many rows a check looked at, how many failed it, and the first failing keys (sorted)."""

    rows_checked: int
    rows_failing: int
    examples: list[str]


def _outcome(
    conn: Connection,
    source: FromClause,
    key: ColumnElement[str],
    failing: ColumnElement[bool],
    where: Sequence[ColumnElement[bool]],
    limit: int,
) -> CheckOutcome:
    """Count the rows of `source` matching `where`, those where `failing` holds, and their first keys."""
    examples = func.array_agg(distinct(key)).filter(failing)
    query = select(func.count(), func.count().filter(failing), examples).select_from(source).where(*where)
    checked, failed, keys = conn.execute(query).one()
    return CheckOutcome(checked, failed, list(keys or [])[:limit])


def orders_without_items(conn: Connection, shop_ids: Sequence[int], limit: int = EXAMPLES) -> CheckOutcome:
    """Orders of `shop_ids`, failing when they have no item line."""
    has_items = exists().where(order_items.c.order_sn == orders.c.order_sn)
    return _outcome(conn, orders, orders.c.order_sn, ~has_items, [orders.c.shop_id.in_(shop_ids)], limit)


def orphan_children(
    conn: Connection, child: Table, shop_ids: Sequence[int], limit: int = EXAMPLES
) -> CheckOutcome:
    """Rows of `child` (item lines, packages) of `shop_ids`, failing when their order is not stored."""
    has_order = exists().where(orders.c.order_sn == child.c.order_sn)
    return _outcome(conn, child, child.c.order_sn, ~has_order, [child.c.shop_id.in_(shop_ids)], limit)


def completed_without_escrow(
    conn: Connection, shop_ids: Sequence[int], completed_before: datetime, limit: int = EXAMPLES
) -> CheckOutcome:
    """COMPLETED orders last changed before `completed_before`, failing when they have no escrow row."""
    has_escrow = exists().where(escrow.c.order_sn == orders.c.order_sn)
    where = [
        orders.c.shop_id.in_(shop_ids),
        orders.c.order_status == "COMPLETED",
        orders.c.update_time < completed_before,
    ]
    return _outcome(conn, orders, orders.c.order_sn, ~has_escrow, where, limit)


def item_total_mismatches(
    conn: Connection, shop_ids: Sequence[int], tolerance: float, limit: int = EXAMPLES
) -> CheckOutcome:
    """Paid orders whose `total_amount` (what the buyer paid: the lines, less vouchers and coins, plus
    the buyer's shipping) disagrees with their item lines by more than `tolerance` (a fraction of it).

    With the order's escrow stored, the comparison is exact: the lines' subtotal (discounted price x
    quantity) less `voucher_from_seller`, `voucher_from_shopee` and `coins` (never below 0), plus
    `buyer_paid_shipping_fee`. Without it, the order row alone only bounds the total from above: the
    buyer never pays more than the lines plus `estimated_shipping_fee` (vouchers, coins and shipping
    discounts only lower it), so a missing or underpriced line still shows. Orders with a bundle-deal
    line are left out: `get_order_detail` gives such lines a discounted price of 0.
    """
    subtotal = func.sum(order_items.c.model_discounted_price * order_items.c.model_quantity_purchased)
    lines = (
        select(order_items.c.order_sn, subtotal.label("subtotal"))
        .where(order_items.c.shop_id.in_(shop_ids))
        .group_by(order_items.c.order_sn)
        .having(func.min(order_items.c.model_discounted_price) > 0)
        .subquery()
    )
    discounts = (
        func.coalesce(escrow.c.voucher_from_seller, 0)
        + func.coalesce(escrow.c.voucher_from_shopee, 0)
        + func.coalesce(escrow.c.coins, 0)
    )
    goods = func.greatest(lines.c.subtotal - discounts, 0)
    expected = goods + func.coalesce(escrow.c.buyer_paid_shipping_fee, 0)
    total = orders.c.total_amount
    ceiling = lines.c.subtotal + func.coalesce(orders.c.estimated_shipping_fee, 0)
    failing = case(
        (escrow.c.order_sn.is_not(None), func.abs(total - expected) > total * tolerance),
        else_=total - ceiling > total * tolerance,
    )
    source = orders.join(lines, lines.c.order_sn == orders.c.order_sn).outerjoin(
        escrow, escrow.c.order_sn == orders.c.order_sn
    )
    where = [orders.c.shop_id.in_(shop_ids), total > 0]
    return _outcome(conn, source, orders.c.order_sn, failing, where, limit)
