"""Token life cycle against the sandbox and Postgres: connect, expiry mid-run, rotation, refresh race."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline.shopee import ShopeeClient, ShopeeConfig, ShopFatalError
from shopee_pipeline.sync.fetch import ORDER_LIST
from shopee_pipeline.warehouse.token_store import PostgresTokenStore
from shopee_pipeline_tests.pinned_clock import SANDBOX_START

REFRESH_PATH = "/api/v2/auth/access_token/get"
TTL = 1200


@pytest.fixture
def sb() -> Iterator[object]:
    sandbox = start_sandbox(
        SandboxConfig(
            shops=2,
            seed=7,
            orders_per_shop_per_day=300,
            history_days=1,
            access_token_ttl=TTL,
            start_time=SANDBOX_START,
        ),
        host="127.0.0.1",
        port=0,
    )
    yield sandbox
    sandbox.stop()


def make_client(sb, warehouse, *, sandbox_clock: bool = True) -> ShopeeClient:
    config = ShopeeConfig(partner_id=sb.partner_id, partner_key=sb.partner_key, base_url=sb.url)
    store = PostgresTokenStore(warehouse.engine, warehouse.schema)
    return ShopeeClient(config, store, clock=sb.now if sandbox_clock else time.time)


def test_token_expiring_mid_run_is_refreshed_proactively(sb, warehouse) -> None:
    shop_id = sb.shop_ids[0]
    client = make_client(sb, warehouse)
    client.connect_shop(shop_id, sb.authorize(shop_id))
    sb.reset_call_counts()
    now = sb.now()
    pages = client.iter_list(ORDER_LIST, shop_id, now - 86400, now, page_size=20)
    first = next(pages)
    sb.advance(TTL - 200)  # under 5 minutes left: the next page refreshes first
    rest = [o for page in pages for o in page]
    assert first and rest
    counts = sb.call_counts()
    assert counts[REFRESH_PATH] == 1 and client.stats.snapshot().refreshes == 1
    sb.advance(TTL + 60)  # now fully expired
    next(client.iter_list(ORDER_LIST, shop_id, now - 86400, sb.now(), page_size=20))
    assert sb.call_counts()[REFRESH_PATH] == 2


def test_refused_token_is_refreshed_once_and_the_call_retried(sb, warehouse) -> None:
    shop_id = sb.shop_ids[0]
    client = make_client(
        sb, warehouse, sandbox_clock=False
    )  # blind to simulated time: learns from the refusal
    client.connect_shop(shop_id, sb.authorize(shop_id))
    sb.advance(TTL + 10)
    sb.reset_call_counts()
    now = sb.now()
    assert next(client.iter_list(ORDER_LIST, shop_id, now - 3600, now))
    counts = sb.call_counts()
    assert counts[REFRESH_PATH] == 1 and counts[ORDER_LIST.path] == 2


def test_rotation_old_refresh_token_is_refused(sb, warehouse) -> None:
    shop_id = sb.shop_ids[0]
    client = make_client(sb, warehouse)
    first = client.connect_shop(shop_id, sb.authorize(shop_id))
    sb.advance(TTL)
    client.get_shop_info(shop_id)  # refreshes and stores the rotated pair
    stored = PostgresTokenStore(warehouse.engine, warehouse.schema).load(shop_id)
    assert (
        stored and stored.refresh_token != first.refresh_token and stored.access_token != first.access_token
    )
    with pytest.raises(ShopFatalError) as info:
        client.auth.refresh(shop_id, first.refresh_token)
    assert "Re-authorize" in info.value.seller_action
    assert first.refresh_token not in str(info.value)


def test_used_authorization_code_is_refused(sb, warehouse) -> None:
    shop_id = sb.shop_ids[1]
    client = make_client(sb, warehouse)
    code = sb.authorize(shop_id)
    client.connect_shop(shop_id, code)
    with pytest.raises(ShopFatalError) as info:
        client.connect_shop(shop_id, code)
    assert code not in str(info.value)


def test_two_workers_refreshing_at_once_spend_one_refresh(sb, warehouse) -> None:
    shop_id = sb.shop_ids[0]
    make_client(sb, warehouse).connect_shop(shop_id, sb.authorize(shop_id))
    sb.advance(TTL - 100)
    sb.reset_call_counts()
    clients = [make_client(sb, warehouse) for _ in range(2)]  # separate clients and store instances
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(client: ShopeeClient) -> None:
        try:
            barrier.wait()
            client.get_shop_info(shop_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sb.call_counts()[REFRESH_PATH] == 1
    stored = PostgresTokenStore(warehouse.engine, warehouse.schema).load(shop_id)
    assert stored is not None
    for client in clients:
        assert client._tokens.access_token(shop_id) == stored.access_token
    assert sb.call_counts()[REFRESH_PATH] == 1
