"""The sandbox's ground truth (`GET /_sandbox/truth`) and clock freeze (`POST /_sandbox/clock/freeze`)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from shopee_pipeline.sandbox import SandboxConfig, SandboxHandle, start_sandbox
from shopee_pipeline_tests.pinned_clock import SANDBOX_START

DAY = 86400
SHIPPED_OR_LATER = {"SHIPPED", "TO_CONFIRM_RECEIVE", "TO_RETURN", "COMPLETED"}


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with start_sandbox(
        SandboxConfig(shops=2, seed=5, orders_per_shop_per_day=30, history_days=3, start_time=SANDBOX_START)
    ) as handle:
        yield handle


def truth(sb: SandboxHandle) -> dict:
    answer = requests.get(f"{sb.url}/_sandbox/truth", timeout=30)
    assert answer.status_code == 200
    return answer.json()


def test_truth_holds_every_order_with_status_packages_and_tracking(sb: SandboxHandle) -> None:
    body = truth(sb)
    assert body["now"] == SANDBOX_START
    assert [shop["shop_id"] for shop in body["shops"]] == sb.shop_ids
    with_tracking = without_tracking = 0
    for shop in body["shops"]:
        shop_id, orders = shop["shop_id"], shop["orders"]
        # The update-time index is another path through the world: both must name the same orders.
        assert sorted(o["order_sn"] for o in orders) == sorted(
            sb.world.orders_updated_between(shop_id, 0, 2**40)
        )
        assert len(orders) > 50
        for order in orders:
            detail = sb.world.order_detail(shop_id, order["order_sn"])
            assert (order["order_status"], order["update_time"]) == (
                detail["order_status"],
                detail["update_time"],
            )
            assert [p["package_number"] for p in order["packages"]] == [
                p["package_number"] for p in detail["package_list"]
            ]
            for package in order["packages"]:
                expected = sb.world.tracking_number(shop_id, order["order_sn"], package["package_number"])
                assert package["tracking_number"] == expected
                if order["order_status"] in SHIPPED_OR_LATER:
                    assert package["tracking_number"] and package["logistics_status"] != "LOGISTICS_NOT_START"
                if order["order_status"] == "UNPAID":
                    assert package["tracking_number"] == ""
                    assert package["logistics_status"] == "LOGISTICS_NOT_START"
                with_tracking += bool(package["tracking_number"])
                without_tracking += not package["tracking_number"]
        for booking in shop["bookings"]:
            detail = sb.world.booking_detail(shop_id, booking["booking_sn"])
            assert (booking["booking_status"], booking["update_time"]) == (
                detail["booking_status"],
                detail["update_time"],
            )
            assert booking["tracking_number"] == sb.world.booking_tracking_number(
                shop_id, booking["booking_sn"]
            )
    assert with_tracking and without_tracking
    assert any(shop["bookings"] for shop in body["shops"])


def test_truth_follows_the_clock(sb: SandboxHandle) -> None:
    before = {o["order_sn"]: o for shop in truth(sb)["shops"] for o in shop["orders"]}
    sb.advance(DAY)
    after_body = truth(sb)
    after = {o["order_sn"]: o for shop in after_body["shops"] for o in shop["orders"]}
    assert after_body["now"] == SANDBOX_START + DAY
    assert set(before) < set(after)  # new orders appeared, none vanished
    changed = [sn for sn in before if before[sn]["order_status"] != after[sn]["order_status"]]
    assert changed
    assert all(after[sn]["update_time"] > before[sn]["update_time"] for sn in changed)


def test_freeze_stops_a_ticking_clock_and_its_pushes() -> None:
    config = SandboxConfig(
        shops=1,
        seed=5,
        orders_per_shop_per_day=2000,
        history_days=1,
        start_time=SANDBOX_START,
        clock_rate=600,
    )
    with start_sandbox(config) as sb:
        time.sleep(1.5)  # the clock ticks on its own and the ticker queues pushes (no push_url: lost store)
        frozen = requests.post(f"{sb.url}/_sandbox/clock/freeze", timeout=10).json()["now"]
        assert frozen >= SANDBOX_START + 600
        stored = sb.push_stats()["lost_stored"]
        assert stored > 0  # every change up to the frozen instant was turned into a push
        time.sleep(2.5)  # two ticks of the ticker: nothing moves any more
        assert requests.get(f"{sb.url}/_sandbox/now", timeout=10).json()["now"] == frozen
        assert sb.push_stats()["lost_stored"] == stored
        assert truth(sb)["now"] == frozen
        assert sb.advance(60) == frozen + 60  # a frozen clock still moves by hand


def test_freeze_and_truth_refuse_other_methods(sb: SandboxHandle) -> None:
    assert requests.get(f"{sb.url}/_sandbox/clock/freeze", timeout=10).status_code == 404
    assert requests.post(f"{sb.url}/_sandbox/truth", timeout=10).status_code == 404
