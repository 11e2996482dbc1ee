"""Authorization codes and token pairs (``auth_partner``, ``auth/token/get``, ``auth/access_token/get``), on
the simulated clock."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from dataclasses import dataclass

REFRESH_GRACE = 300
"""Seconds an old access token stays valid after a refresh (``auth/access_token/get``)."""


class TokenError(Exception):
    """A refused code or token; ``error`` and ``message`` go into the response envelope."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message


@dataclass(slots=True)
class _Grant:
    shop_id: int
    expires_at: int


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What ``auth/token/get`` and ``auth/access_token/get`` hand out."""

    access_token: str
    refresh_token: str
    expire_in: int


class TokenStore:
    """Single-use codes (10 min), access tokens (TTL configurable, 4 h by default) and single-use,
    rotating refresh tokens (30 d). Tokens are random opaque strings. With ``record`` every code and
    token ever issued is remembered (see ``issued``), for tests that hunt for leaked secrets."""

    def __init__(self, access_ttl: int, refresh_ttl: int, code_ttl: int, record: bool = False) -> None:
        self._access_ttl = access_ttl
        self._refresh_ttl = refresh_ttl
        self._code_ttl = code_ttl
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._refresh_calls: Counter[int] = Counter()
        self._issued: set[str] | None = set() if record else None
        self._lock = threading.Lock()

    def _remember(self, *secrets: str) -> None:
        if self._issued is not None:
            self._issued.update(secrets)

    def issue_code(self, shop_id: int, now: int) -> str:
        """A code as the seller's consent on ``auth_partner`` would produce it: single use, 10 minutes."""
        code = secrets.token_hex(16)
        with self._lock:
            self._codes[code] = _Grant(shop_id, now + self._code_ttl)
            self._remember(code)
        return code

    def _new_pair(self, shop_id: int, now: int) -> TokenPair:
        pair = TokenPair(secrets.token_hex(16), secrets.token_hex(16), self._access_ttl)
        self._remember(pair.access_token, pair.refresh_token)
        for token, grant in list(self._refresh.items()):
            if grant.shop_id == shop_id:
                del self._refresh[token]
        for token, grant in list(self._access.items()):
            if grant.expires_at <= now:
                del self._access[token]
        self._access[pair.access_token] = _Grant(shop_id, now + self._access_ttl)
        self._refresh[pair.refresh_token] = _Grant(shop_id, now + self._refresh_ttl)
        return pair

    def exchange_code(self, code: str, shop_id: int, now: int) -> TokenPair:
        """``auth/token/get``: consume the code, issue a fresh pair; earlier refresh
        tokens of the shop stop working (re-authorizing regenerates both tokens)."""
        with self._lock:
            grant = self._codes.pop(code, None)
            if grant is None or grant.expires_at < now or grant.shop_id != shop_id:
                raise TokenError("invalid_code", "code is expired or used or invalid")
            return self._new_pair(shop_id, now)

    def refresh(self, refresh_token: str, shop_id: int, now: int) -> TokenPair:
        """``auth/access_token/get``: single-use refresh token, rotation, and the old
        access tokens of the shop cut to 5 more minutes. Every call is counted per shop."""
        with self._lock:
            self._refresh_calls[shop_id] += 1
            grant = self._refresh.get(refresh_token)
            if grant is None or grant.shop_id != shop_id:
                raise TokenError("error_auth", "Invalid refresh_token.")
            if grant.expires_at < now:
                raise TokenError("refresh_token_expired", "refresh_token is expired.")
            del self._refresh[refresh_token]
            for access in self._access.values():
                if access.shop_id == shop_id:
                    access.expires_at = min(access.expires_at, now + REFRESH_GRACE)
            return self._new_pair(shop_id, now)

    def access_valid(self, access_token: str, shop_id: int, now: int) -> bool:
        """Whether ``access_token`` belongs to ``shop_id`` and is unexpired."""
        with self._lock:
            grant = self._access.get(access_token)
            return grant is not None and grant.shop_id == shop_id and now < grant.expires_at

    def issued(self) -> set[str]:
        """Every code, access token and refresh token issued so far (empty unless recording)."""
        with self._lock:
            return set(self._issued or ())

    def refresh_counts(self) -> dict[int, int]:
        """Refresh calls received per shop id (failed ones included)."""
        with self._lock:
            return dict(self._refresh_calls)
