"""Money at risk, read from the `payout_reconciliation` mart: the orders Shopee has not paid after the
grace period (`overdue`) and those paid another amount than their escrow (`amount_mismatch`), each named
with its shop and amounts. No Dagster: `analytics/checks.py` turns these into asset checks."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, text

MAX_NAMED = 20
"""Orders named one by one in a check's description (the rest are counted)."""


@dataclass(frozen=True)
class PayoutAtRisk:
    """One order of `payout_reconciliation` whose money is at risk."""

    shop_id: int
    order_sn: str
    currency: str | None
    expected_payout: Decimal | None
    credited_amount: Decimal | None
    due_at: object

    def describe(self) -> str:
        """`shop S order O: expected X IDR, credited Y` (or `nothing credited, due D`)."""
        unit = f" {self.currency}" if self.currency else ""
        expected = (
            f"expected {self.expected_payout}{unit}" if self.expected_payout is not None else "no escrow"
        )
        if self.credited_amount is None:
            return (
                f"shop {self.shop_id} order {self.order_sn}: {expected}, nothing credited, due {self.due_at}"
            )
        return f"shop {self.shop_id} order {self.order_sn}: {expected}, credited {self.credited_amount}{unit}"


def payouts_with_status(conn: Connection, marts_schema: str, status: str) -> list[PayoutAtRisk]:
    """Every order of `payout_reconciliation` (in `marts_schema`) with `status`, by shop and due date."""
    rows = conn.execute(
        text(
            "SELECT shop_id, order_sn, currency, expected_payout, credited_amount, due_at "
            f'FROM "{marts_schema}".payout_reconciliation WHERE status = :status '
            "ORDER BY shop_id, due_at, order_sn"
        ),
        {"status": status},
    )
    return [PayoutAtRisk(*row._tuple()) for row in rows]


def summary(payouts: list[PayoutAtRisk], what: str) -> str:
    """One text naming up to `MAX_NAMED` of `payouts` (`what` says what is wrong with them)."""
    named = "; ".join(p.describe() for p in payouts[:MAX_NAMED])
    more = f"; and {len(payouts) - MAX_NAMED} more" if len(payouts) > MAX_NAMED else ""
    return f"{len(payouts)} orders {what}: {named}{more}"
