"""What the UI and the console say about shops, runs and pushes: shop partitions in order, runs labelled
with their shops by name and days, the push sensor's tick line counted in the right number."""

from __future__ import annotations

from datetime import date

from shopee_pipeline.defs.sensors import tick_summary
from shopee_pipeline.lib.partitions import shop_partition_changes
from shopee_pipeline.lib.sync_runs import run_labels
from shopee_pipeline.sync.pushes import PushPlan, ShopSync
from shopee_pipeline.text_table import counted


def test_shop_partitions_stay_in_numeric_order() -> None:
    assert shop_partition_changes(["5", "12"], [5, 12]) == ([], [])
    # A new shop sorting last is added at the end; a deactivated one is deleted.
    assert shop_partition_changes(["5", "12"], [12, 40]) == (["5"], ["40"])
    # A new shop sorting first (or partitions added out of order): all deleted, then added in order.
    assert shop_partition_changes(["5", "12"], [3, 5, 12]) == (["5", "12"], ["3", "5", "12"])
    assert shop_partition_changes(["12", "5"], [5, 12]) == (["12", "5"], ["5", "12"])
    assert shop_partition_changes([], [12, 5]) == ([], ["5", "12"])
    # Not re-ordered while a range run is in flight: the new shop goes at the end, the gone one leaves.
    assert shop_partition_changes(["12", "5"], [3, 5, 12], reorder=False) == ([], ["3"])
    assert shop_partition_changes(["12", "5", "7"], [5, 12], reorder=False) == (["7"], [])


def test_a_run_is_labelled_with_its_shops_by_name_and_its_days() -> None:
    days = {102: [date(2026, 12, 2), date(2026, 12, 3)], 101: [date(2026, 12, 1)]}
    tags = run_labels(["orders", "escrow"], days, {101: "Toko Kopi", 102: "Toko Teh"})
    assert tags == {
        "shopee/shops": "101,102",
        "shopee/days": "2026-12-01..2026-12-03",
        "shopee/sync": "orders, escrow of 101 (Toko Kopi), 102 (Toko Teh), 2026-12-01..2026-12-03",
    }
    one = run_labels(["returns"], {7: [date(2026, 12, 1)]}, {7: "Toko Kopi"})
    assert (
        one["shopee/shop_name"] == "Toko Kopi"
        and one["shopee/sync"] == "returns of 7 (Toko Kopi), 2026-12-01"
    )
    many = run_labels(["orders"], {shop: [date(2026, 12, 1)] for shop in range(1, 9)}, {})
    assert many["shopee/sync"] == "orders of 1, 2, 3, 4, 5 and 3 more shops, 2026-12-01"
    assert "shopee/shop_name" not in many


def test_the_push_sensor_counts_in_the_right_number() -> None:
    assert counted(1, "shop") == "1 shop" and counted(2, "push", "pushes") == "2 pushes"
    held = ShopSync(7, event_ids=[1, 2])
    plan = PushPlan(syncs=[ShopSync(5, event_ids=[3]), held])
    assert tick_summary(3, plan, [held], 1) == (
        "3 pending pushes: 1 new run; 2 pushes of 1 shop held until their shop's queued push run starts"
    )
    assert tick_summary(0, PushPlan(), [], 0) == "no pending push: nothing to run"
    assert tick_summary(1, PushPlan(), [], 2) == "1 pending push: 2 runs of earlier ticks requested again"
