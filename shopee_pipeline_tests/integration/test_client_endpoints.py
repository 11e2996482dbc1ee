"""ShopeeClient against the sandbox emulator: every endpoint, pagination, batching and call counts."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import pytest

from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline.shopee import (
    InMemoryTokenStore,
    ShopeeClient,
    ShopeeConfig,
)
from shopee_pipeline.shopee.client import ESCROW_BATCH_PATH, MASS_TRACKING_NUMBER_PATH
from shopee_pipeline.sync.fetch import ORDER_DETAIL, ORDER_LIST
from shopee_pipeline.sync.streams import BOOKINGS
from shopee_pipeline_tests.pinned_clock import SANDBOX_START

DAY = 86400
TARGET = 1234


@pytest.fixture(scope="module")
def sb() -> Iterator[object]:
    sandbox = start_sandbox(
        SandboxConfig(
            shops=1,
            seed=7,
            orders_per_shop_per_day=700,
            history_days=3,
            latency_ms=0,
            fault_rate=0,
            start_time=SANDBOX_START,
        ),
        host="127.0.0.1",
        port=0,
    )
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def client(sb) -> Iterator[ShopeeClient]:
    config = ShopeeConfig(
        partner_id=sb.partner_id,
        partner_key=sb.partner_key,
        base_url=sb.url,
        shop_rate_per_second=1000,
        partner_rate_per_second=1000,
    )
    with ShopeeClient(config, InMemoryTokenStore(), clock=sb.now) as shopee:
        shop_id = sb.shop_ids[0]
        shopee.connect_shop(shop_id, sb.authorize(shop_id))
        yield shopee


def window_with(sb, shop_id: int, count: int) -> tuple[int, int]:
    """A window [t0, t1] holding exactly ``count`` updated orders (bisection on t1)."""
    now = sb.now()
    t0 = now - 3 * DAY
    lo, hi = t0, now
    while lo < hi:
        mid = (lo + hi) // 2
        if len(sb.world.orders_updated_between(shop_id, t0, mid)) >= count:
            hi = mid
        else:
            lo = mid + 1
    assert len(sb.world.orders_updated_between(shop_id, t0, lo)) == count, "tie at the boundary second"
    return t0, lo


def test_1234_changed_orders_cost_13_list_and_25_detail_calls(sb, client: ShopeeClient) -> None:
    shop_id = sb.shop_ids[0]
    t0, t1 = window_with(sb, shop_id, TARGET)
    sb.reset_call_counts()
    sns: list[str] = []
    items = 0
    for page in client.iter_list(ORDER_LIST, shop_id, t0, t1):
        assert len(page) <= 100
        sns.extend(o["order_sn"] for o in page)
        result = client.get_details(ORDER_DETAIL, shop_id, [o["order_sn"] for o in page])
        assert not result.missing and not result.failed
        items += len(result.items)
    counts = sb.call_counts()
    assert sorted(sns) == sorted(sb.world.orders_updated_between(shop_id, t0, t1))
    assert len(set(sns)) == TARGET == items
    assert counts[ORDER_LIST.path] == 13
    assert counts[ORDER_DETAIL.path] == 25


def test_order_details_in_batches_of_50_with_optional_fields(sb, client: ShopeeClient) -> None:
    shop_id = sb.shop_ids[0]
    now = sb.now()
    sns = sb.world.orders_updated_between(shop_id, now - DAY, now)[:120]
    sb.reset_call_counts()
    result = client.get_details(ORDER_DETAIL, shop_id, [*sns, "NOT-A-REAL-SN"])
    assert sb.call_counts()[ORDER_DETAIL.path] == math.ceil(121 / 50)
    assert {o["order_sn"] for o in result.items} == set(sns)
    assert result.missing == ["NOT-A-REAL-SN"] or "NOT-A-REAL-SN" in result.failed
    order = result.items[0]
    for field in ("item_list", "package_list", "total_amount", "buyer_username", "payment_method"):
        assert field in order


def test_order_list_longer_than_15_days_is_split(sb, client: ShopeeClient) -> None:
    shop_id = sb.shop_ids[0]
    now = sb.now()
    sb.reset_call_counts()
    by_create_time = dataclasses.replace(ORDER_LIST, time_range_field="create_time")
    pages = list(client.iter_list(by_create_time, shop_id, now - 40 * DAY, now))
    sns = [o["order_sn"] for page in pages for o in page]
    assert len(sns) == len(set(sns)) > 0
    assert sb.call_counts()[ORDER_LIST.path] >= 3
    assert all("order_status" in o for page in pages for o in page)


def test_bookings_list_and_details(sb, client: ShopeeClient) -> None:
    shop_id = sb.shop_ids[0]
    now = sb.now()
    expected = sb.world.bookings_updated_between(shop_id, now - 3 * DAY, now)
    sb.reset_call_counts()
    booking_sns = [
        b["booking_sn"]
        for page in client.iter_list(BOOKINGS.list_endpoint, shop_id, now - 3 * DAY, now, page_size=7)
        for b in page
    ]
    assert sorted(booking_sns) == sorted(expected)
    assert sb.call_counts()[BOOKINGS.list_endpoint.path] >= math.ceil(len(expected) / 7)
    details = client.get_details(BOOKINGS.detail_endpoint, shop_id, booking_sns)
    assert {b["booking_sn"] for b in details.items} == set(booking_sns)
    assert sb.call_counts().get(BOOKINGS.detail_endpoint.path, 0) == math.ceil(len(booking_sns) / 50)


def test_escrow_batch_and_single(sb, client: ShopeeClient) -> None:
    shop_id = sb.shop_ids[0]
    now = sb.now()
    sns = sb.world.orders_updated_between(shop_id, now - 3 * DAY, now)[:75]
    sb.reset_call_counts()
    result = client.get_escrow_details(shop_id, sns)
    assert sb.call_counts()[ESCROW_BATCH_PATH] == 2
    got = {e["order_sn"] for e in result.items}
    assert got | set(result.failed) | set(result.missing) == set(sns)
    assert got, "no escrow at all"
    some = next(iter(got))
    single = client.get_escrow_detail(shop_id, some)
    assert single["order_sn"] == some and "order_income" in single


def test_tracking_numbers_mass_and_single(sb, client: ShopeeClient) -> None:
    shop_id = sb.shop_ids[0]
    now = sb.now()
    details = client.get_details(
        ORDER_DETAIL, shop_id, sb.world.orders_updated_between(shop_id, now - 3 * DAY, now)[:60]
    )
    packages = [
        (o["order_sn"], p["package_number"]) for o in details.items for p in o.get("package_list") or []
    ]
    assert packages
    sb.reset_call_counts()
    result = client.get_tracking_numbers(shop_id, [number for _, number in packages])
    assert sb.call_counts()[MASS_TRACKING_NUMBER_PATH] == math.ceil(len({n for _, n in packages}) / 50)
    assert set(result.numbers) | set(result.failed) | set(result.missing) == {n for _, n in packages}
    order_sn, number = packages[0]
    single = client.get_tracking_number(shop_id, order_sn, number)
    assert "tracking_number" in single


def test_shop_info_and_lost_push_messages(sb, client: ShopeeClient) -> None:
    info = client.get_shop_info(sb.shop_ids[0])
    assert info.get("shop_name")
    page = client.get_lost_push_messages()
    assert isinstance(page.messages, list)
    for message in page.messages:
        assert isinstance(message["data"], dict | str)
    if page.last_message_id:
        client.confirm_lost_push_messages(page.last_message_id)


def test_auth_url_is_signed_for_auth_partner(sb, client: ShopeeClient) -> None:
    url = client.auth_url("https://example.com/callback")
    assert url.startswith(f"{sb.url}/api/v2/shop/auth_partner?") and "sign=" in url and "redirect=" in url
