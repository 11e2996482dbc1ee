"""The asset checks after a real sandbox sync: every result carries `rows_checked` and `rows_failing` as
numbers, the item-total check passes on Shopee's consistent orders and fails on a planted inconsistent
one, with or without the order's escrow."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
import pytest
from sqlalchemy import delete, func, select, update

from shopee_pipeline.definitions import defs
from shopee_pipeline.defs.checks import ITEM_TOTAL_TOLERANCE, ORDER_CHECKS
from shopee_pipeline.run_tags import RANGE_END, RANGE_START
from shopee_pipeline.warehouse import quality, tables
from shopee_pipeline_tests.pinned_clock import sandbox_day

pytestmark = pytest.mark.clock  # a day's sync: the pipeline plans its windows by its clock


@pytest.fixture
def synced(pipeline) -> dg.ExecuteInProcessResult:
    """The sandbox day of every shop synced in one run (orders, items, packages, escrow, bookings)."""
    day = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    shops = pipeline.instance.get_dynamic_partitions("shops")
    result = defs.resolve_job_def("sync_shopee").execute_in_process(
        instance=pipeline.instance, tags={RANGE_START: f"{day}|{shops[0]}", RANGE_END: f"{day}|{shops[-1]}"}
    )
    assert result.success
    return result


def _item_totals(pipeline) -> quality.CheckOutcome:
    with pipeline.warehouse.connect() as conn:
        return quality.item_total_mismatches(conn, pipeline.sandbox.shop_ids, ITEM_TOTAL_TOLERANCE)


def _planted_order(pipeline) -> str:
    """The paid single-line order of highest total whose escrow shows no voucher and no coins: the
    item-total check compares it, and no discount can hide a wrong line price."""
    orders, items, escrow = tables.orders, tables.order_items, tables.escrow
    single_line = (
        select(items.c.order_sn)
        .group_by(items.c.order_sn)
        .having(func.count() == 1, func.min(items.c.model_discounted_price) > 0)
    )
    undiscounted = select(escrow.c.order_sn).where(
        escrow.c.voucher_from_seller == 0, escrow.c.voucher_from_shopee == 0, escrow.c.coins == 0
    )
    query = (
        select(orders.c.order_sn)
        .where(
            orders.c.total_amount > 0, orders.c.order_sn.in_(single_line), orders.c.order_sn.in_(undiscounted)
        )
        .order_by(orders.c.total_amount.desc(), orders.c.order_sn)
        .limit(1)
    )
    with pipeline.warehouse.connect() as conn:
        return conn.execute(query).scalar_one()


def _line_price(pipeline, order_sn: str) -> Decimal:
    items = tables.order_items
    with pipeline.warehouse.connect() as conn:
        query = select(items.c.model_discounted_price).where(items.c.order_sn == order_sn)
        return conn.execute(query).scalar_one()


def _set_line_price(pipeline, order_sn: str, price: Decimal) -> None:
    items = tables.order_items
    with pipeline.warehouse.begin() as conn:
        conn.execute(update(items).where(items.c.order_sn == order_sn).values(model_discounted_price=price))


def test_every_check_result_carries_numbers(pipeline, synced) -> None:
    evaluations = synced.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == {spec.name for spec in ORDER_CHECKS} | {
        "completed_orders_have_escrow"
    }
    for evaluation in evaluations:
        metadata = evaluation.metadata
        assert isinstance(metadata["rows_checked"], dg.IntMetadataValue), evaluation.check_name
        assert isinstance(metadata["rows_failing"], dg.IntMetadataValue), evaluation.check_name
        assert "examples" in metadata
        assert evaluation.passed == (metadata["rows_failing"].value == 0)
    by_name = {e.check_name: e for e in evaluations}
    with pipeline.warehouse.connect() as conn:
        orders = conn.execute(select(func.count()).select_from(tables.orders)).scalar_one()
        lines = conn.execute(select(func.count()).select_from(tables.order_items)).scalar_one()
    assert by_name["every_order_has_items"].metadata["rows_checked"].value == orders > 0
    assert by_name["items_belong_to_orders"].metadata["rows_checked"].value == lines > orders
    item_totals = by_name["item_totals_match_order_total"]
    assert item_totals.passed and item_totals.metadata["rows_failing"].value == 0
    assert item_totals.metadata["rows_checked"].value > 0


def test_item_totals_pass_on_consistent_orders_and_fail_on_a_planted_one(pipeline, synced) -> None:
    consistent = _item_totals(pipeline)
    print(f"\nitem totals after the sync: {consistent}")
    assert consistent.rows_failing == 0 and consistent.rows_checked > 0

    # With its escrow stored (vouchers, coins, the buyer's shipping), the comparison is exact both ways.
    planted = _planted_order(pipeline)
    price = _line_price(pipeline, planted)
    _set_line_price(pipeline, planted, price * 3)
    raised = _item_totals(pipeline)
    assert (raised.rows_failing, raised.examples) == (1, [planted])
    assert raised.rows_checked == consistent.rows_checked
    _set_line_price(pipeline, planted, price)
    assert _item_totals(pipeline) == consistent

    # Without its escrow, the order row bounds the total from above: an underpriced line shows.
    with pipeline.warehouse.begin() as conn:
        conn.execute(delete(tables.escrow).where(tables.escrow.c.order_sn == planted))
    assert _item_totals(pipeline).rows_failing == 0
    _set_line_price(pipeline, planted, Decimal(1))
    lowered = _item_totals(pipeline)
    assert (lowered.rows_failing, lowered.examples) == (1, [planted])
