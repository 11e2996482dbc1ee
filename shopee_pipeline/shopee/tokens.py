"""Shop tokens, the ``TokenStore`` protocol, and "a valid access token for shop X" with rotation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from shopee_pipeline.shopee.errors import REAUTHORIZE, ShopFatalError

REFRESH_TOKEN_TTL = timedelta(days=30)


@dataclass(frozen=True)
class ShopTokens:
    """A shop's token pair and when each expires (timezone-aware). Tokens never show in the repr."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_token_expires_at: datetime
    refresh_token_expires_at: datetime

    def access_seconds_left(self, now: datetime) -> float:
        """Seconds the access token stays valid after ``now`` (negative once expired)."""
        return (self.access_token_expires_at - now).total_seconds()


class TokenStore(Protocol):
    """Where shop tokens persist. Implementations must make ``refresh_locked`` exclusive per shop
    across threads and processes (e.g. a row lock), so a refresh token is only ever spent once."""

    def load(self, shop_id: int) -> ShopTokens | None:
        """Return the shop's stored tokens, or None when the shop was never connected."""
        ...

    def save(self, shop_id: int, tokens: ShopTokens) -> None:
        """Insert or replace the shop's tokens (both at once)."""
        ...

    def refresh_locked(
        self,
        shop_id: int,
        needs_refresh: Callable[[ShopTokens], bool],
        do_refresh: Callable[[ShopTokens], ShopTokens],
    ) -> ShopTokens:
        """Under an exclusive per-shop lock: re-read the tokens; if ``needs_refresh`` says so, call
        ``do_refresh`` and store its result before releasing the lock; return the tokens now valid.
        Raises ``LookupError`` when the shop has no tokens."""
        ...


class InMemoryTokenStore:
    """A :class:`TokenStore` in process memory (one lock for all shops): for tests and one-off scripts."""

    def __init__(self) -> None:
        self._tokens: dict[int, ShopTokens] = {}
        self._lock = threading.Lock()

    def load(self, shop_id: int) -> ShopTokens | None:
        """Return the shop's tokens or None."""
        with self._lock:
            return self._tokens.get(shop_id)

    def save(self, shop_id: int, tokens: ShopTokens) -> None:
        """Store the shop's tokens."""
        with self._lock:
            self._tokens[shop_id] = tokens

    def refresh_locked(
        self,
        shop_id: int,
        needs_refresh: Callable[[ShopTokens], bool],
        do_refresh: Callable[[ShopTokens], ShopTokens],
    ) -> ShopTokens:
        """Refresh under the store's lock if still needed; see :class:`TokenStore`."""
        with self._lock:
            current = self._tokens.get(shop_id)
            if current is None:
                raise LookupError(shop_id)
            if needs_refresh(current):
                current = self._tokens[shop_id] = do_refresh(current)
            return current


def _not_connected(shop_id: int) -> ShopFatalError:
    return ShopFatalError(
        "no tokens stored for this shop", seller_action=REAUTHORIZE, path="token store", shop_id=shop_id
    )


class TokenManager:
    """Hands out a valid access token per shop, refreshing proactively and after a refusal.

    A refresh goes through :meth:`TokenStore.refresh_locked`, so concurrent workers (threads or
    processes) spend the single-use refresh token once, and the rotated pair is stored before use.
    """

    def __init__(
        self,
        store: TokenStore,
        refresh: Callable[[int, str], ShopTokens],
        clock: Callable[[], float],
        margin_seconds: float,
    ) -> None:
        self._store = store
        self._refresh = refresh
        self._clock = clock
        self._margin = margin_seconds
        self._cache: dict[int, ShopTokens] = {}
        self._lifetimes: dict[int, float] = {}
        self._lock = threading.Lock()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _margin_for(self, shop_id: int) -> float:
        """The refresh margin, capped at half the longest token lifetime seen for the shop: a token that
        lives less than the margin (a short-lived test token) must not be refreshed before every call."""
        lifetime = self._lifetimes.get(shop_id)
        return self._margin if lifetime is None else min(self._margin, lifetime / 2)

    def _expiring_for(self, shop_id: int) -> Callable[[ShopTokens], bool]:
        margin = self._margin_for(shop_id)
        return lambda tokens: tokens.access_seconds_left(self._now()) < margin

    def access_token(self, shop_id: int) -> str:
        """Return an access token with more than the margin (5 min by default) left."""
        with self._lock:
            cached = self._cache.get(shop_id)
        expiring = self._expiring_for(shop_id)
        if cached is None or expiring(cached):
            cached = self._store.load(shop_id)
            if cached is None:
                raise _not_connected(shop_id)
            if expiring(cached):
                cached = self._locked_refresh(shop_id, expiring)
            self._remember(shop_id, cached)
        return cached.access_token

    def save(self, shop_id: int, tokens: ShopTokens) -> None:
        """Store a newly obtained pair (after authorization or an imported refresh) and use it from now on."""
        self._store.save(shop_id, tokens)
        self._learn_lifetime(shop_id, tokens)
        self._remember(shop_id, tokens)

    def replace_refused(self, shop_id: int, refused_access_token: str) -> str:
        """Return a new access token after Shopee refused ``refused_access_token``.

        If another worker already replaced it, its token is used and Shopee is not called again.
        """
        expiring = self._expiring_for(shop_id)
        tokens = self._locked_refresh(
            shop_id, lambda t: t.access_token == refused_access_token or expiring(t)
        )
        self._remember(shop_id, tokens)
        return tokens.access_token

    def _remember(self, shop_id: int, tokens: ShopTokens) -> None:
        with self._lock:
            self._cache[shop_id] = tokens

    def _learn_lifetime(self, shop_id: int, fresh: ShopTokens) -> None:
        """Note how long a just-issued access token lives (the margin is capped at half of it)."""
        left = fresh.access_seconds_left(self._now())
        with self._lock:
            self._lifetimes[shop_id] = max(self._lifetimes.get(shop_id, 0.0), left)

    def _locked_refresh(self, shop_id: int, needs_refresh: Callable[[ShopTokens], bool]) -> ShopTokens:
        try:
            tokens = self._store.refresh_locked(
                shop_id, needs_refresh, lambda current: self._refresh(shop_id, current.refresh_token)
            )
        except LookupError:
            raise _not_connected(shop_id) from None
        self._learn_lifetime(shop_id, tokens)
        return tokens
