"""Typed errors of the Shopee client, classified by Shopee's ``error`` string.

See docs/shopee-api-notes.md#response-envelope-and-errors and #rate-limits.
"""

from __future__ import annotations

import re

REAUTHORIZE = "Re-authorize the app for this shop: open the authorization link and connect the shop again."
WAIT_FOR_QUOTA = "Wait until 00:00 UTC+8, when Shopee resets the daily API call limit, then sync again."
SHOP_BANNED = "The shop is banned by Shopee: resolve it in Shopee Seller Centre, then re-authorize the app."

_RETRYABLE = frozenset({"error_rate_limit", "error_server", "error_network"})
_TOKEN = frozenset({"invalid_acceess_token", "invalid_access_token"})
_FATAL = {
    "error_limit": WAIT_FOR_QUOTA,
    "shop_banned": SHOP_BANNED,
    "partner_shop_no_link": REAUTHORIZE,
    "refresh_token_expired": REAUTHORIZE,
    "shop_access_expired": REAUTHORIZE,
    "merchant_access_expired": REAUTHORIZE,
    "error_shop_refresh_token": REAUTHORIZE,
    "error_merchant_refresh_token": REAUTHORIZE,
    "invalid_code": REAUTHORIZE,
}
_MENTIONS_REFRESH_TOKEN = re.compile(r"(?i)refresh[ _]?token")
_MENTIONS_ACCESS_TOKEN = re.compile(r"(?i)access[ _]?token")


class ShopeeError(Exception):
    """Base of every client error; names the endpoint, shop, Shopee's request id, code and message.

    Never carries a token, key or sign: callers pass messages through redaction first.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str,
        shop_id: int | None = None,
        error: str = "",
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.shop_id = shop_id
        self.error = error
        self.request_id = request_id
        self.http_status = http_status
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [self.path]
        if self.shop_id is not None:
            parts.append(f"shop_id={self.shop_id}")
        if self.error:
            parts.append(f"error={self.error}")
        if self.http_status is not None:
            parts.append(f"http_status={self.http_status}")
        parts.append(f"request_id={self.request_id or '-'}")
        return f"{' '.join(parts)}: {self.message}"


class RetryableError(ShopeeError):
    """Transient failure (throttling, server or network trouble): retried with backoff."""


class TokenError(ShopeeError):
    """The access token was refused: refresh it once and retry the call once."""


class BadRequestError(ShopeeError):
    """The request itself is wrong (parameters, sign, permissions, unknown codes): never retried."""


class ShopFatalError(ShopeeError):
    """The shop cannot be synced until its seller acts; ``seller_action`` says what to do."""

    def __init__(
        self,
        message: str,
        *,
        seller_action: str,
        path: str,
        shop_id: int | None = None,
        error: str = "",
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.seller_action = seller_action
        super().__init__(
            message, path=path, shop_id=shop_id, error=error, request_id=request_id, http_status=http_status
        )

    def _describe(self) -> str:
        return f"{super()._describe()} (seller action: {self.seller_action})"


def bare_code(error: str) -> str:
    """Return the error code without its module prefix: ``order.order_list_invalid_time`` -> last part."""
    return error.rsplit(".", 1)[-1]


def _kind(code: str, message: str) -> tuple[type[ShopeeError], str | None]:
    """Return the error class for a bare code and, for shop-fatal errors, the seller's action."""
    if code in _RETRYABLE:
        return RetryableError, None
    if code in _TOKEN:
        return TokenError, None
    if code == "error_auth" and _MENTIONS_REFRESH_TOKEN.search(message):
        return ShopFatalError, REAUTHORIZE
    if code == "error_auth" and _MENTIONS_ACCESS_TOKEN.search(message):
        return TokenError, None
    if code in _FATAL:
        return ShopFatalError, _FATAL[code]
    if code.endswith("_no_linked"):
        return ShopFatalError, REAUTHORIZE
    return BadRequestError, None


def classify(
    error: str,
    message: str,
    *,
    path: str,
    shop_id: int | None = None,
    request_id: str | None = None,
    http_status: int | None = None,
) -> ShopeeError:
    """Build the typed error for Shopee's ``error`` code (bare or module-prefixed) and ``message``."""
    cls, seller_action = _kind(bare_code(error), message)
    if seller_action is not None:
        return ShopFatalError(
            message,
            seller_action=seller_action,
            path=path,
            shop_id=shop_id,
            error=error,
            request_id=request_id,
            http_status=http_status,
        )
    return cls(
        message, path=path, shop_id=shop_id, error=error, request_id=request_id, http_status=http_status
    )
