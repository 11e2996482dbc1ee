"""Codes and tokens of the sandbox (``auth/token/get``, ``auth/access_token/get``) on the simulated clock."""

from __future__ import annotations

import pytest

from shopee_pipeline.sandbox.tokens import TokenError, TokenStore

SHOP = 123456789


def store() -> TokenStore:
    return TokenStore(access_ttl=14400, refresh_ttl=30 * 86400, code_ttl=600)


def test_code_is_single_use_and_expires() -> None:
    tokens = store()
    code = tokens.issue_code(SHOP, 1000)
    pair = tokens.exchange_code(code, SHOP, 1000)
    assert pair.expire_in == 14400 and pair.access_token != pair.refresh_token
    with pytest.raises(TokenError) as used:
        tokens.exchange_code(code, SHOP, 1000)
    assert used.value.error == "invalid_code"
    late = tokens.issue_code(SHOP, 1000)
    with pytest.raises(TokenError):
        tokens.exchange_code(late, SHOP, 1000 + 601)
    other = tokens.issue_code(SHOP, 1000)
    with pytest.raises(TokenError):
        tokens.exchange_code(other, SHOP + 1, 1000)


def test_access_token_ttl_and_shop_binding() -> None:
    tokens = store()
    pair = tokens.exchange_code(tokens.issue_code(SHOP, 0), SHOP, 0)
    assert tokens.access_valid(pair.access_token, SHOP, 14399)
    assert not tokens.access_valid(pair.access_token, SHOP, 14400)
    assert not tokens.access_valid(pair.access_token, SHOP + 1, 10)
    assert not tokens.access_valid("made-up", SHOP, 10)


def test_refresh_rotates_and_old_access_token_has_five_minutes() -> None:
    tokens = store()
    first = tokens.exchange_code(tokens.issue_code(SHOP, 0), SHOP, 0)
    second = tokens.refresh(first.refresh_token, SHOP, 1000)
    assert second.refresh_token != first.refresh_token and second.access_token != first.access_token
    assert tokens.access_valid(first.access_token, SHOP, 1299)
    assert not tokens.access_valid(first.access_token, SHOP, 1300)
    assert tokens.access_valid(second.access_token, SHOP, 1000 + 14399)
    with pytest.raises(TokenError) as old:
        tokens.refresh(first.refresh_token, SHOP, 1001)
    assert (old.value.error, old.value.message) == ("error_auth", "Invalid refresh_token.")
    tokens.refresh(second.refresh_token, SHOP, 1002)
    assert tokens.refresh_counts() == {SHOP: 3}


def test_refresh_token_expires_after_30_days() -> None:
    tokens = store()
    pair = tokens.exchange_code(tokens.issue_code(SHOP, 0), SHOP, 0)
    with pytest.raises(TokenError) as expired:
        tokens.refresh(pair.refresh_token, SHOP, 30 * 86400 + 1)
    assert expired.value.error == "refresh_token_expired"


def test_reauthorizing_invalidates_the_previous_refresh_token() -> None:
    tokens = store()
    first = tokens.exchange_code(tokens.issue_code(SHOP, 0), SHOP, 0)
    tokens.exchange_code(tokens.issue_code(SHOP, 10), SHOP, 10)
    with pytest.raises(TokenError):
        tokens.refresh(first.refresh_token, SHOP, 20)
