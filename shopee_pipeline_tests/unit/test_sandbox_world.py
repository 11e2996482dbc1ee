"""The seeded world: determinism, life cycle, realistic shapes, indexes, edits and push events."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest

from shopee_pipeline.sandbox.clock import SimClock
from shopee_pipeline.sandbox.config import SandboxConfig
from shopee_pipeline.sandbox.world import World

START = 1764028800  # 2025-11-25 00:00 UTC
DAY = 86400
FOREVER = (0, 2**31)


def make_world(**overrides: object) -> World:
    settings: dict[str, object] = {"shops": 2, "seed": 7, "orders_per_shop_per_day": 150, "history_days": 6}
    settings.update(overrides)
    config = SandboxConfig(start_time=START, **settings)  # type: ignore[arg-type]
    return World(config, SimClock(START))


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


def all_details(world: World, shop_id: int) -> list[dict]:
    return [world.order_detail(shop_id, sn) for sn in world.orders_updated_between(shop_id, *FOREVER)]


def test_same_seed_same_world_other_seed_other_world(world: World) -> None:
    twin = make_world()
    assert twin.shop_ids == world.shop_ids
    for shop_id in world.shop_ids:
        assert all_details(twin, shop_id) == all_details(world, shop_id)
        assert [twin.escrow_detail(shop_id, sn) for sn in twin.orders_updated_between(shop_id, *FOREVER)] == [
            world.escrow_detail(shop_id, sn) for sn in world.orders_updated_between(shop_id, *FOREVER)
        ]
        assert twin.bookings_updated_between(shop_id, *FOREVER) == world.bookings_updated_between(
            shop_id, *FOREVER
        )
    assert make_world(seed=8).shop_ids != world.shop_ids


def test_shop_ids_and_order_sns_look_like_shopee(world: World) -> None:
    assert all(100_000_000 <= s < 1_000_000_000 for s in world.shop_ids)
    sns = world.orders_updated_between(world.shop_ids[0], *FOREVER)
    assert 150 * 6 <= len(sns) <= 150 * 7
    assert all(re.fullmatch(r"\d{6}[0-9A-Z]{8}", sn) for sn in sns)
    assert len(set(sns)) == len(sns)


def test_orders_exist_only_once_created(world: World) -> None:
    shop_id = world.shop_ids[0]
    for detail in all_details(world, shop_id):
        assert detail["create_time"] <= world.now()
        assert detail["create_time"] <= detail["update_time"] <= world.now()


def test_life_cycle_and_field_rules(world: World) -> None:
    details = all_details(world, world.shop_ids[0]) + all_details(world, world.shop_ids[1])
    statuses = Counter(d["order_status"] for d in details)
    for status in (
        "UNPAID",
        "READY_TO_SHIP",
        "PROCESSED",
        "SHIPPED",
        "TO_CONFIRM_RECEIVE",
        "COMPLETED",
        "CANCELLED",
    ):
        assert statuses[status] > 0, status
    assert statuses["IN_CANCEL"] + statuses["TO_RETURN"] > 0
    for d in details:
        assert d["region"] == "ID" and d["currency"] == "IDR"
        if d["order_status"] == "UNPAID":
            assert d["pay_time"] is None and d["total_amount"] == 0.0
        if d["cod"]:
            assert d["payment_method"] == "Cash on Delivery" and d["order_status"] != "UNPAID"
        assert 1 <= len(d["item_list"]) <= 5
        assert len({i["line_item_id"] for i in d["item_list"]}) == len(d["item_list"])
        assert float(d["total_amount"]).is_integer()
        assert re.fullmatch(r"\w\*{6}\w", d["recipient_address"]["name"])
        assert d["recipient_address"]["full_address"] == "****"
        packaged = [(i["item_id"], i["model_id"]) for p in d["package_list"] for i in p["item_list"]]
        assert sorted(packaged) == sorted((i["item_id"], i["model_id"]) for i in d["item_list"])
    assert any(d["cod"] for d in details)
    assert any(len(d["package_list"]) == 2 and d["split_up"] for d in details)
    assert {d["shipping_carrier"] for d in details} >= {"SPX Express", "J&T Express", "JNE Reguler"}


def test_bundle_deals_share_order_item_id_and_hide_price(world: World) -> None:
    bundles = [
        d
        for d in all_details(world, world.shop_ids[0])
        if any(i["promotion_type"] == "bundle_deal" for i in d["item_list"])
    ]
    assert bundles
    for d in bundles:
        lines = [i for i in d["item_list"] if i["promotion_type"] == "bundle_deal"]
        assert len(lines) >= 2 and len({i["order_item_id"] for i in lines}) == 1
        assert all(i["model_discounted_price"] == 0.0 for i in lines)
        escrow = world.escrow_detail(world.shop_ids[0], d["order_sn"])
        assert escrow is not None
        by_line = {i["line_item_id"]: i for i in escrow["order_income"]["items"]}
        assert all(by_line[i["line_item_id"]]["activity_type"] == "bundle_deal" for i in lines)


def test_escrow_is_zero_for_cancelled_and_positive_for_completed(world: World) -> None:
    shop_id = world.shop_ids[0]
    seen = Counter()
    for d in all_details(world, shop_id):
        escrow = world.escrow_detail(shop_id, d["order_sn"])
        assert escrow is not None
        amount = escrow["order_income"]["escrow_amount"]
        if d["order_status"] == "CANCELLED":
            assert amount == 0.0
            seen["zero"] += 1
        elif d["order_status"] == "COMPLETED" and not escrow["return_order_sn_list"]:
            assert amount > 0
            seen["positive"] += 1
        assert escrow["order_income"]["items"] and escrow["buyer_payment_info"]["buyer_total_amount"] > 0
    assert seen["zero"] and seen["positive"]
    assert world.escrow_detail(shop_id, "NOPE") is None


def test_escrow_changes_until_completed() -> None:
    world = make_world(history_days=1)
    shop_id = world.shop_ids[0]
    before = {sn: world.escrow_detail(shop_id, sn) for sn in world.orders_updated_between(shop_id, *FOREVER)}
    world.clock.advance(8 * DAY)
    changed = [sn for sn, escrow in before.items() if world.escrow_detail(shop_id, sn) != escrow]
    assert changed
    statuses = {world.order_detail(shop_id, sn)["order_status"] for sn in before}
    assert statuses <= {"COMPLETED", "CANCELLED"}


def test_bookings_matched_and_unmatched(world: World) -> None:
    shop_id = world.shop_ids[0]
    orders = all_details(world, shop_id)
    bookings = [world.booking_detail(shop_id, sn) for sn in world.bookings_updated_between(shop_id, *FOREVER)]
    matched = [b for b in bookings if b["booking_status"] == "MATCHED"]
    assert matched and len(matched) < len(bookings)
    assert 0.02 <= len(matched) / len(orders) <= 0.09
    by_sn = {o["order_sn"]: o for o in orders}
    for b in matched:
        assert b["match_status"] == "MATCH_SUCCESSFUL"
        order = by_sn[b["order_sn"]]
        assert order["booking_sn"] == b["booking_sn"] and order["advance_package"] is True
    for b in bookings:
        if b["booking_status"] != "MATCHED":
            assert b["order_sn"] == "" and b["match_status"] in ("MATCH_PENDING", "MATCH_FAILED")


def test_tracking_number_appears_once_processed(world: World) -> None:
    shop_id = world.shop_ids[0]
    for d in all_details(world, shop_id):
        for package in d["package_list"]:
            number = world.tracking_number(shop_id, d["order_sn"], package["package_number"])
            if d["order_status"] in ("UNPAID", "READY_TO_SHIP"):
                assert number == ""
            if d["order_status"] in ("RETRY_SHIP", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED"):
                assert number
            if d["order_status"] == "RETRY_SHIP":
                assert package["logistics_status"] == "LOGISTICS_PICKUP_RETRY"


def test_list_keys_pages_cover_the_window_in_order(world: World) -> None:
    shop_id = world.shop_ids[0]
    now = world.now()
    expected = world.orders_updated_between(shop_id, now - 2 * DAY, now)
    got, after, more = [], None, True
    while more:
        page, more = world.list_keys(shop_id, "update_time", now - 2 * DAY, now, after=after, limit=17)
        got += [sn for _, sn, _ in page]
        after = (page[-1][0], page[-1][1]) if page else None
    assert got == expected
    times = [world.order_detail(shop_id, sn)["update_time"] for sn in got]
    assert times == sorted(times)


def test_remove_item_line_bumps_update_time(world: World) -> None:
    edited = make_world(history_days=2)
    shop_id = edited.shop_ids[0]
    sn = next(
        d["order_sn"]
        for d in all_details(edited, shop_id)
        if len(d["item_list"]) >= 2 and d["update_time"] < edited.now() - 60
    )
    lines_before = edited.order_detail(shop_id, sn)["item_list"]
    edited.remove_item_line(shop_id, sn)
    after = edited.order_detail(shop_id, sn)
    assert len(after["item_list"]) == len(lines_before) - 1 and after["update_time"] == edited.now()
    assert sn in edited.orders_updated_between(shop_id, edited.now(), edited.now())
    assert len(edited.escrow_detail(shop_id, sn)["order_income"]["items"]) == len(lines_before) - 1
    single = next(d["order_sn"] for d in all_details(edited, shop_id) if len(d["item_list"]) == 1)
    with pytest.raises(ValueError):
        edited.remove_item_line(shop_id, single)


def test_sweep_yields_status_tracking_and_booking_events() -> None:
    world = make_world(history_days=1)
    start = world.now()
    world.clock.advance(2 * DAY)
    events = world.sweep(world.now())
    codes = Counter(e.code for e in events)
    assert codes[3] and codes[4] and codes[23] and codes[24]
    assert any(e.code == 3 and e.data["status"] == "RETRY_SHIP" for e in events)  # a failed pickup
    for e in events:
        if e.code == 24:
            assert (
                e.data["tracking_no"] == world.booking_tracking_number(e.shop_id, e.data["booking_sn"]) != ""
            )
    assert all(start < e.time <= world.now() for e in events)
    assert [e.time for e in events] == sorted(e.time for e in events)
    for e in events:
        if e.code == 3:
            assert world.order_detail(e.shop_id, e.data["ordersn"])["update_time"] >= e.time
    assert world.sweep(world.now()) == []


def test_idle_shops_have_no_activity() -> None:
    world = make_world(shops=3, idle_shops=1)
    assert world.orders_updated_between(world.shop_ids[2], *FOREVER) == []
    assert world.orders_updated_between(world.shop_ids[0], *FOREVER)


@pytest.mark.benchmark
def test_scale_builds_and_lists(capsys: pytest.CaptureFixture[str]) -> None:
    """Build time of a 200-shop world, and of its first list calls, printed (a figure, not a limit: a
    timed assertion fails on a loaded machine)."""
    began = time.perf_counter()
    world = make_world(shops=200, orders_per_shop_per_day=40, history_days=3)
    built = time.perf_counter() - began
    began = time.perf_counter()
    updated = world.orders_updated_between(world.shop_ids[0], *FOREVER)
    keys, _ = world.list_keys(world.shop_ids[0], "update_time", world.now() - DAY, world.now())
    listed = time.perf_counter() - began
    assert len(world.shop_ids) == 200 and updated and keys
    with capsys.disabled():
        print(f"\nsandbox world, 200 shops x 40 orders x 3 days: built {built:.2f} s, listed {listed:.3f} s")


def test_a_clock_with_a_ceiling_never_passes_it_and_then_follows_it() -> None:
    """`dev`'s fast clock: started in the past, it catches up with the real time, never runs ahead of
    it (no order dated tomorrow), then moves with it."""
    real = [1_000_000.0]
    clock = SimClock(999_000, ceiling=lambda: real[0])
    assert clock.advance(500) == 999_500
    assert clock.advance(5_000) == 1_000_000
    real[0] += 60
    assert clock.now() == 1_000_060
    assert SandboxConfig(clock_never_ahead=True).clock_never_ahead
