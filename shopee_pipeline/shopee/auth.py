"""Shop authorization: the `/api/v2/shop/auth_partner` link, `POST /api/v2/auth/token/get` (code ->
tokens) and `POST /api/v2/auth/access_token/get` (refresh).

See docs/shopee-api-notes.md#authorization-and-tokens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from shopee_pipeline.clock import timestamp as clock_timestamp
from shopee_pipeline.shopee.config import ShopeeConfig
from shopee_pipeline.shopee.errors import BadRequestError
from shopee_pipeline.shopee.signing import common_params
from shopee_pipeline.shopee.stats import ClientStats
from shopee_pipeline.shopee.tokens import REFRESH_TOKEN_TTL, ShopTokens
from shopee_pipeline.shopee.transport import Transport

AUTH_PARTNER_PATH = "/api/v2/shop/auth_partner"
TOKEN_GET_PATH = "/api/v2/auth/token/get"
TOKEN_REFRESH_PATH = "/api/v2/auth/access_token/get"
_EPOCH_THRESHOLD = 1_000_000_000  # ~31 years in seconds: larger values are Unix times


class Authorizer:
    """Builds the seller's authorization link and obtains or refreshes a shop's tokens.

    ``clock`` (Unix seconds) dates the tokens' expiry; signatures always use the wall clock.
    """

    def __init__(
        self,
        config: ShopeeConfig,
        transport: Transport,
        stats: ClientStats,
        clock: Callable[[], float] = clock_timestamp,
    ) -> None:
        self._config = config
        self._transport = transport
        self._stats = stats
        self._clock = clock

    def auth_url(self, redirect: str) -> str:
        """Return the classic ``auth_partner`` link (public sign; it dies 5 minutes after creation)."""
        cfg = self._config
        params = common_params(cfg.partner_id, cfg.partner_key, AUTH_PARTNER_PATH, int(time.time()))
        query = urlencode({**params, "redirect": redirect})
        return f"{cfg.base_url.rstrip('/')}{AUTH_PARTNER_PATH}?{query}"

    def exchange_code(self, code: str, shop_id: int) -> ShopTokens:
        """Exchange the single-use authorization ``code`` the seller brought back for the shop's tokens."""
        body = {"code": code, "shop_id": shop_id, "partner_id": self._config.partner_id}
        answer = self._transport.call("POST", TOKEN_GET_PATH, shop_id=shop_id, body=body, budgeted=False)
        return self._tokens(answer, TOKEN_GET_PATH, shop_id)

    def refresh(self, shop_id: int, refresh_token: str) -> ShopTokens:
        """Spend ``refresh_token`` (single-use) for a new pair; the caller must store it before use."""
        body = {"refresh_token": refresh_token, "shop_id": shop_id, "partner_id": self._config.partner_id}
        self._stats.record_refresh()
        # Under the shop's token row lock: never wait for a database connection (see Transport.call).
        answer = self._transport.call("POST", TOKEN_REFRESH_PATH, shop_id=shop_id, body=body, budgeted=False)
        return self._tokens(answer, TOKEN_REFRESH_PATH, shop_id)

    def _tokens(self, answer: dict[str, Any], path: str, shop_id: int) -> ShopTokens:
        """Read the top-level token fields (also accepted inside ``response``); ``expire_in`` is seconds."""
        response = answer.get("response")
        payload: dict[str, Any] = response if isinstance(response, dict) else answer
        access, refresh, expire_in = (
            payload.get("access_token"),
            payload.get("refresh_token"),
            payload.get("expire_in"),
        )
        if not access or not refresh or not isinstance(expire_in, int | float):
            raise BadRequestError(
                "token answer lacks access_token, refresh_token or expire_in",
                path=path,
                shop_id=shop_id,
                request_id=answer.get("request_id"),
            )
        now = datetime.fromtimestamp(self._clock(), UTC)
        # One sample of `auth/token/get` shows `expire_in` as an epoch instead of seconds: accept both.
        if expire_in > _EPOCH_THRESHOLD:
            access_expires_at = datetime.fromtimestamp(expire_in, UTC)
        else:
            access_expires_at = now + timedelta(seconds=float(expire_in))
        return ShopTokens(
            access_token=str(access),
            refresh_token=str(refresh),
            access_token_expires_at=access_expires_at,
            refresh_token_expires_at=now + REFRESH_TOKEN_TTL,
        )
