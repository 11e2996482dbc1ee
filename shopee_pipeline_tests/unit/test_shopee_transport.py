"""Transport: GET/POST placement, envelope parsing, HTTP classification, retries, stats, redaction."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from shopee_pipeline.shopee import (
    BadRequestError,
    RetryableError,
    ShopeeConfig,
    ShopTokens,
    TokenError,
    redact,
)
from shopee_pipeline.shopee.signing import base_string, sign
from shopee_pipeline.shopee.stats import ClientStats
from shopee_pipeline.shopee.transport import Transport

KEY = "unit-partner-key-0123456789"
TOKEN = "unit-access-token-abcdef"
Handler = Callable[[str, dict[str, str], Any], tuple[int, Any]]


def response(status: int, payload: Any) -> requests.Response:
    """A requests Response with ``payload`` as JSON (or raw bytes)."""
    r = requests.Response()
    r.status_code = status
    r._content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return r


class FakeSession:
    """Stands in for requests.Session.request: records each call and answers from ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, params: dict, json: Any = None, timeout: Any = None) -> Any:
        query = {k: str(v) for k, v in params.items()}
        self.calls.append({"method": method, "path": urlsplit(url).path, "query": query, "json": json})
        status, payload = self.handler(urlsplit(url).path, query, json)
        return response(status, payload)


def make_transport(handler: Handler, **overrides: Any) -> tuple[Transport, FakeSession, ClientStats]:
    config = ShopeeConfig(partner_id=2001887, partner_key=KEY, base_url="http://shopee.test", **overrides)
    stats = ClientStats()
    transport = Transport(config, stats, sleep=lambda s: None)
    fake = FakeSession(handler)
    transport._session = fake  # type: ignore[assignment]
    return transport, fake, stats


def ok(payload: dict | None = None) -> Handler:
    return lambda path, query, body: (200, {"request_id": "r", "error": "", "message": "", **(payload or {})})


def test_get_puts_everything_in_the_query_with_lists_comma_joined() -> None:
    transport, fake, _ = make_transport(ok({"response": {}}))
    path = "/api/v2/order/get_order_detail"
    transport.call(
        "GET", path, shop_id=14701711, access_token=TOKEN, params={"order_sn_list": ["A", "B"], "x": None}
    )
    call = fake.calls[0]
    assert call["method"] == "GET" and call["json"] is None
    query = call["query"]
    assert query["order_sn_list"] == "A,B" and "x" not in query
    assert (
        query["access_token"] == TOKEN and query["shop_id"] == "14701711" and query["partner_id"] == "2001887"
    )
    expected = sign(KEY, base_string(2001887, path, int(query["timestamp"]), TOKEN, 14701711))
    assert query["sign"] == expected


def test_post_puts_common_params_in_query_and_request_params_in_json_body() -> None:
    transport, fake, _ = make_transport(ok({"response": []}))
    path = "/api/v2/payment/get_escrow_detail_batch"
    transport.call("POST", path, shop_id=5, access_token=TOKEN, body={"order_sn_list": ["A", "B"]})
    call = fake.calls[0]
    assert call["method"] == "POST" and call["json"] == {"order_sn_list": ["A", "B"]}
    assert set(call["query"]) == {"partner_id", "timestamp", "access_token", "shop_id", "sign"}


def test_public_call_is_signed_with_the_short_base_string() -> None:
    transport, fake, _ = make_transport(ok())
    path = "/api/v2/auth/access_token/get"
    transport.call("POST", path, shop_id=5, body={"refresh_token": "r", "shop_id": 5})
    query = fake.calls[0]["query"]
    assert set(query) == {"partner_id", "timestamp", "sign"}
    assert query["sign"] == sign(KEY, base_string(2001887, path, int(query["timestamp"])))


def test_non_2xx_with_json_error_is_classified_by_the_body() -> None:
    transport, _, _ = make_transport(
        lambda p, q, b: (403, {"request_id": "rq9", "error": "invalid_acceess_token", "message": "Invalid"})
    )
    with pytest.raises(TokenError) as info:
        transport.call("GET", "/api/v2/order/get_order_list", shop_id=1, access_token=TOKEN)
    assert info.value.request_id == "rq9" and info.value.http_status == 403


def test_retryable_then_success_counts_calls_retries_and_backoff() -> None:
    answers = iter(
        [(500, b"<html>oops</html>"), (429, b""), (200, {"error": "error_rate_limit", "message": "slow"})]
    )

    def handler(path: str, query: dict, body: Any) -> tuple[int, Any]:
        return next(answers, (200, {"request_id": "r", "error": "", "response": {"ok": 1}}))

    transport, fake, stats = make_transport(handler, max_attempts=5)
    answer = transport.call("GET", "/api/v2/order/get_order_list", shop_id=1, access_token=TOKEN)
    assert answer["response"] == {"ok": 1}
    snap = stats.snapshot()
    assert (
        snap.calls == {"/api/v2/order/get_order_list": 4} and snap.retries == 3 and snap.backoff_seconds >= 0
    )
    assert len({c["query"]["sign"] for c in fake.calls}) >= 1


def test_retries_stop_at_max_attempts() -> None:
    transport, fake, stats = make_transport(lambda p, q, b: (502, b"bad gateway"), max_attempts=3)
    with pytest.raises(RetryableError):
        transport.call("GET", "/api/v2/order/get_order_list", shop_id=1, access_token=TOKEN)
    assert len(fake.calls) == 3 and stats.snapshot().retries == 2


@pytest.mark.parametrize(
    ("status", "payload"), [(400, {"error": "error_param", "message": "no"}), (404, b"not found")]
)
def test_bad_requests_are_never_retried(status: int, payload: Any) -> None:
    transport, fake, _ = make_transport(lambda p, q, b: (status, payload))
    with pytest.raises(BadRequestError):
        transport.call("GET", "/api/v2/order/get_order_list", shop_id=1, access_token=TOKEN)
    assert len(fake.calls) == 1


def test_warnings_are_recorded_with_their_endpoint() -> None:
    transport, _, stats = make_transport(ok({"warning": ["sn X not found"], "response": {}}))
    transport.call("GET", "/api/v2/order/get_order_detail", shop_id=3, access_token=TOKEN)
    (warning,) = stats.snapshot().warnings
    assert (warning.path, warning.shop_id, warning.text) == (
        "/api/v2/order/get_order_detail",
        3,
        "sn X not found",
    )


def test_connection_error_carrying_the_url_comes_out_redacted(caplog: pytest.LogCaptureFixture) -> None:
    def handler(path: str, query: dict, body: Any) -> tuple[int, Any]:
        url = f"http://shopee.test{path}?partner_id=1&timestamp=2&access_token={TOKEN}&shop_id=1&sign={query['sign']}"
        raise requests.ConnectionError(f"Max retries exceeded with url: {url} (Caused by refused)")

    caplog.set_level(logging.DEBUG)
    transport, fake, _ = make_transport(handler, max_attempts=2)
    with pytest.raises(RetryableError) as info:
        transport.call("GET", "/api/v2/order/get_order_list", shop_id=1, access_token=TOKEN)
    signs = {c["query"]["sign"] for c in fake.calls}
    texts = [str(info.value), repr(info.value), caplog.text]
    for text in texts:
        for secret in (TOKEN, KEY, *signs):
            assert secret not in text
    assert "access_token=***" in str(info.value)
    assert info.value.__context__ is None and info.value.__cause__ is None


def test_redact_masks_query_and_json_values_and_literal_secrets() -> None:
    text = (
        'GET /x?sign=S1GN&access_token=T0KEN&shop_id=1 {"refresh_token": "R3FR", "code": "C0DE"} xtra-secret'
    )
    out = redact(text, ["xtra-secret", None])
    for secret in ("S1GN", "T0KEN", "R3FR", "C0DE", "xtra-secret"):
        assert secret not in out
    assert "shop_id=1" in out and "error_code=5" in redact("error_code=5")


def test_reprs_hide_secrets() -> None:
    config = ShopeeConfig(partner_id=1, partner_key=KEY)
    from datetime import UTC, datetime

    tokens = ShopTokens(TOKEN, "refresh-xyz", datetime.now(UTC), datetime.now(UTC))
    assert KEY not in repr(config) and TOKEN not in repr(tokens) and "refresh-xyz" not in repr(tokens)
