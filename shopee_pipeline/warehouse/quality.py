"""Data-quality queries behind the asset checks; each returns offending keys (at most `limit`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Table, and_, exists, func, select

from shopee_pipeline.warehouse.tables import escrow, order_items, orders


def orders_without_items(conn: Connection, shop_ids: Sequence[int], limit: int = 20) -> list[str]:
    """Orders of `shop_ids` that have no item line."""
    query = (
        select(orders.c.order_sn)
        .where(orders.c.shop_id.in_(shop_ids), ~exists().where(order_items.c.order_sn == orders.c.order_sn))
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


def orphan_children(conn: Connection, child: Table, shop_ids: Sequence[int], limit: int = 20) -> list[str]:
    """Rows of `child` (items, packages) of `shop_ids` whose order is not stored."""
    query = (
        select(child.c.order_sn)
        .where(child.c.shop_id.in_(shop_ids), ~exists().where(orders.c.order_sn == child.c.order_sn))
        .distinct()
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


def completed_without_escrow(
    conn: Connection, shop_ids: Sequence[int], completed_before: datetime, limit: int = 20
) -> list[str]:
    """COMPLETED orders last changed before `completed_before` that have no escrow row."""
    query = (
        select(orders.c.order_sn)
        .where(
            orders.c.shop_id.in_(shop_ids),
            orders.c.order_status == "COMPLETED",
            orders.c.update_time < completed_before,
            ~exists().where(escrow.c.order_sn == orders.c.order_sn),
        )
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


def item_total_mismatches(
    conn: Connection, shop_ids: Sequence[int], tolerance: float, limit: int = 20
) -> list[str]:
    """Orders whose item subtotal strays from `total_amount` by more than `tolerance` (a fraction).

    Bundle-deal lines carry a discounted price of 0 (reference 4.3), so orders with such lines are left
    out; shipping and vouchers make small gaps normal, hence the tolerance.
    """
    subtotal = func.sum(order_items.c.model_discounted_price * order_items.c.model_quantity_purchased)
    lines = (
        select(order_items.c.order_sn, subtotal.label("subtotal"))
        .where(order_items.c.shop_id.in_(shop_ids))
        .group_by(order_items.c.order_sn)
        .having(func.min(order_items.c.model_discounted_price) > 0)
        .subquery()
    )
    query = (
        select(orders.c.order_sn)
        .join(lines, lines.c.order_sn == orders.c.order_sn)
        .where(
            and_(
                orders.c.total_amount > 0,
                func.abs(lines.c.subtotal - orders.c.total_amount) > orders.c.total_amount * tolerance,
            )
        )
        .limit(limit)
    )
    return list(conn.execute(query).scalars())
