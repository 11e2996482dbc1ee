"""Error classification by Shopee's ``error`` string, bare and module-prefixed (``order.``, ``common.``)."""

from __future__ import annotations

import pytest

from shopee_pipeline.shopee.errors import (
    REAUTHORIZE,
    WAIT_FOR_QUOTA,
    BadRequestError,
    RetryableError,
    ShopeeError,
    ShopFatalError,
    TokenError,
    classify,
)

CASES = [
    ("error_rate_limit", "Too many requests.", RetryableError),
    ("error_server", "System error", RetryableError),
    ("error_network", "Inner http call failed", RetryableError),
    ("invalid_acceess_token", "Invalid access_token, please have a check.", TokenError),
    ("invalid_access_token", "Invalid access_token.", TokenError),
    ("error_auth", "Invalid access_token.", TokenError),
    ("error_auth", "Invalid refresh_token.", ShopFatalError),
    ("error_auth", "No permission to current api.", BadRequestError),
    ("error_limit", "reached the daily API call limit", ShopFatalError),
    ("shop_banned", "shop is banned", ShopFatalError),
    ("shop_no_linked", "", ShopFatalError),
    ("merchant_no_linked", "", ShopFatalError),
    ("partner_shop_no_link", "", ShopFatalError),
    ("refresh_token_expired", "", ShopFatalError),
    ("shop_access_expired", "", ShopFatalError),
    ("error_shop_refresh_token", "", ShopFatalError),
    ("error_param", "There is no sign in query.", BadRequestError),
    ("error_sign", "Wrong sign.", BadRequestError),
    ("order_list_invalid_time", "diff in 15days", BadRequestError),
    ("something_new", "never seen", BadRequestError),
]


@pytest.mark.parametrize("prefix", ["", "common.", "order."])
@pytest.mark.parametrize(("code", "message", "expected"), CASES)
def test_classification(prefix: str, code: str, message: str, expected: type[ShopeeError]) -> None:
    error = classify(prefix + code, message, path="/api/v2/order/get_order_list", shop_id=7, request_id="r1")
    assert type(error) is expected
    assert error.error == prefix + code


def test_fatal_errors_say_what_the_seller_must_do() -> None:
    quota = classify("error_limit", "daily limit", path="/p", shop_id=1)
    assert isinstance(quota, ShopFatalError) and quota.seller_action == WAIT_FOR_QUOTA
    expired = classify("common.refresh_token_expired", "", path="/p", shop_id=1)
    assert isinstance(expired, ShopFatalError) and expired.seller_action == REAUTHORIZE
    assert "00:00 UTC+8" in str(quota) and "Re-authorize" in str(expired)


def test_message_names_path_shop_request_id_code_and_status() -> None:
    error = classify(
        "error_server",
        "System error",
        path="/api/v2/order/get_order_detail",
        shop_id=42,
        request_id="abc123",
        http_status=500,
    )
    text = str(error)
    for part in (
        "/api/v2/order/get_order_detail",
        "shop_id=42",
        "request_id=abc123",
        "error_server",
        "500",
        "System error",
    ):
        assert part in text
