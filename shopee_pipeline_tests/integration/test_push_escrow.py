"""A push run re-reads escrow for the orders it names, whatever day their partition is."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from shopee_pipeline.warehouse import tables
from shopee_pipeline_tests.integration.test_assets_e2e import materialize, today

pytestmark = pytest.mark.clock  # a day's sync: the pipeline plans its windows by its clock


def test_push_run_fetches_escrow_of_an_order_outside_its_partition_day(pipeline) -> None:
    """A pushed day clamped to another partition (or an order changed again since the push) still gets
    its escrow: escrow reads the named orders by order_sn, not the partition's day."""
    shop = pipeline.sandbox.shop_ids[0]
    day = today(pipeline)
    assert materialize(pipeline, f"{day}|{shop}").success
    with pipeline.warehouse.begin() as conn:
        order_sn = conn.execute(
            select(tables.escrow.c.order_sn).where(tables.escrow.c.shop_id == shop).limit(1)
        ).scalar_one()
        conn.execute(delete(tables.escrow_items).where(tables.escrow_items.c.order_sn == order_sn))
        conn.execute(delete(tables.escrow).where(tables.escrow.c.order_sn == order_sn))

    only = {"config": {"only": [order_sn]}}
    other_day = day - timedelta(days=1)
    result = materialize(pipeline, f"{other_day}|{shop}", {"ops": {"shopee_orders": only}})

    assert result.success
    with pipeline.warehouse.connect() as conn:
        stored = conn.execute(select(tables.escrow.c.order_sn).where(tables.escrow.c.order_sn == order_sn))
        assert stored.scalar_one_or_none() == order_sn
