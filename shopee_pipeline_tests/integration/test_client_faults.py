"""Error classes via sandbox faults, retries and backoff stats, and redaction of a failing run."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline.shopee import (
    BadRequestError,
    InMemoryTokenStore,
    RetryableError,
    ShopeeClient,
    ShopeeConfig,
    ShopeeError,
    ShopFatalError,
)
from shopee_pipeline.sync.fetch import ORDER_DETAIL, ORDER_LIST
from shopee_pipeline_tests.pinned_clock import SANDBOX_START

HEX64 = re.compile(r"[0-9a-f]{64}")


@pytest.fixture
def sb() -> Iterator[Any]:
    sandbox = start_sandbox(
        SandboxConfig(
            shops=1,
            seed=7,
            orders_per_shop_per_day=120,
            history_days=1,
            stall_seconds=1.0,
            start_time=SANDBOX_START,
        ),
        host="127.0.0.1",
        port=0,
    )
    yield sandbox
    sandbox.stop()


def make_client(sb: Any, store: InMemoryTokenStore | None = None, **overrides: Any) -> ShopeeClient:
    settings = {
        "partner_id": sb.partner_id,
        "partner_key": sb.partner_key,
        "base_url": sb.url,
        "backoff_initial_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "read_timeout": 0.5,
        **overrides,
    }
    client = ShopeeClient(ShopeeConfig(**settings), store or InMemoryTokenStore(), clock=sb.now)
    shop_id = sb.shop_ids[0]
    client.connect_shop(shop_id, sb.authorize(shop_id))
    return client


def list_orders(sb: Any, client: ShopeeClient) -> list[str]:
    now = sb.now()
    return [
        o["order_sn"] for page in client.iter_list(ORDER_LIST, sb.shop_ids[0], now - 86400, now) for o in page
    ]


@pytest.mark.parametrize("kind", ["rate_limit", "error_server", "http_500", "drop", "stall"])
def test_every_transient_fault_is_retried_and_counted(sb: Any, kind: str) -> None:
    client = make_client(sb, max_attempts=8)
    clean = list_orders(sb, client)
    sb.set_faults(fault_rate=0.5, kinds=[kind])
    assert list_orders(sb, client) == clean
    snap = client.stats.snapshot()
    assert snap.retries > 0 and snap.backoff_seconds > 0
    assert snap.calls[ORDER_LIST.path] == sb.call_counts()[ORDER_LIST.path] or kind in ("drop", "stall")


def test_persistent_faults_give_up_as_retryable_within_bounds(sb: Any) -> None:
    client = make_client(sb, max_attempts=3)
    sb.set_faults(fault_rate=1.0, kinds=["error_server"])
    with pytest.raises(RetryableError) as info:
        list_orders(sb, client)
    assert (
        info.value.request_id and info.value.path == ORDER_LIST.path and info.value.shop_id == sb.shop_ids[0]
    )
    assert client.stats.snapshot().calls[ORDER_LIST.path] == 3  # one per attempt


def test_wrong_partner_key_is_a_bad_request_never_retried(sb: Any) -> None:
    store = InMemoryTokenStore()
    make_client(sb, store)
    config = ShopeeConfig(partner_id=sb.partner_id, partner_key="wrong-key-123456789", base_url=sb.url)
    bad = ShopeeClient(config, store, clock=sb.now)
    with pytest.raises(BadRequestError) as info:
        list_orders(sb, bad)
    assert info.value.error.endswith("error_sign") and bad.stats.snapshot().retries == 0


def test_expired_refresh_token_is_shop_fatal(sb: Any) -> None:
    client = make_client(sb)
    sb.advance(31 * 86400)
    with pytest.raises(ShopFatalError) as info:
        list_orders(sb, client)
    assert "Re-authorize" in info.value.seller_action


def _long_traceback(info: pytest.ExceptionInfo) -> str:
    """pytest's long traceback of `info`, rendered with the collector paused: CPython 3.11's AST
    conversion (which the rendering uses) fails with "recursion depth mismatch" when a finalizer runs in
    the middle of it."""
    gc.disable()
    try:
        return str(info.getrepr(style="long"))
    finally:
        gc.enable()


def test_no_secret_in_logs_or_errors_of_a_failing_run(
    sb: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    # urllib3 logs each request line (query string included) at DEBUG: make sure it does here, whatever
    # logging configuration an earlier test of the same process left (in the full suite it was silenced).
    for name in ("urllib3", "urllib3.connectionpool"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
        caplog.set_level(logging.DEBUG, logger=name)
    store = InMemoryTokenStore()
    client = make_client(sb, store, max_attempts=3)
    sent: list[str] = []
    session = client._transport._session
    original = session.request

    def spy(method: str, url: str, params: dict, **kwargs: Any) -> Any:
        sent.extend(str(params[k]) for k in ("sign", "access_token") if k in params)
        sent.extend(str(v) for k, v in (kwargs.get("json") or {}).items() if k in ("refresh_token", "code"))
        return original(method, url, params=params, **kwargs)

    session.request = spy  # type: ignore[method-assign]
    errors: list[str] = []
    for kinds in (["drop"], ["http_500"], ["stall"], ["error_server"]):
        sb.set_faults(fault_rate=1.0, kinds=kinds)
        with pytest.raises(ShopeeError) as info:
            list_orders(sb, client)
        errors += [str(info.value), repr(info.value), _long_traceback(info)]
    sb.set_faults(fault_rate=0.0)
    sb.advance(31 * 86400)
    with pytest.raises(ShopeeError) as info:
        list_orders(sb, client)
    errors += [str(info.value), repr(info.value)]
    tokens = store.load(sb.shop_ids[0])
    assert tokens is not None
    secrets = {sb.partner_key, tokens.access_token, tokens.refresh_token, *sent}
    texts = [*errors, caplog.text, *(r.getMessage() for r in caplog.records)]
    assert len(sent) > 5 and any("urllib3" in r.name for r in caplog.records)
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert not HEX64.search(text)


def test_whole_batch_not_found_loses_only_the_unknown_order() -> None:
    sandbox = start_sandbox(
        SandboxConfig(
            shops=1,
            seed=7,
            orders_per_shop_per_day=120,
            history_days=1,
            unknown_order_sn="error",
            start_time=SANDBOX_START,
        ),
        host="127.0.0.1",
        port=0,
    )
    try:
        client = make_client(sandbox)
        now = sandbox.now()
        sns = sandbox.world.orders_updated_between(sandbox.shop_ids[0], now - 86400, now)[:40]
        result = client.get_details(ORDER_DETAIL, sandbox.shop_ids[0], [*sns[:20], "UNKNOWN-SN", *sns[20:]])
        assert {o["order_sn"] for o in result.items} == set(sns)
        assert list(result.failed) == ["UNKNOWN-SN"] and "error_not_found" in result.failed["UNKNOWN-SN"]
    finally:
        sandbox.stop()
