"""The sandbox's own HMAC-SHA256 signing and verification: request ``sign`` and push ``Authorization``
(docs/shopee-api-notes.md#signing, #pushes).

Deliberately independent of the API client: the emulator must be able to catch the client's bugs.
"""

from __future__ import annotations

import hashlib
import hmac


def base_string(
    partner_id: int | str,
    path: str,
    timestamp: int | str,
    access_token: str = "",
    shop_id: int | str | None = None,
) -> str:
    """Shopee's base string: ``partner_id + path + timestamp`` for public APIs, followed by
    ``access_token + shop_id`` for shop APIs; plain concatenation, no separators. Numbers may come as the
    request's own text (the gateway checks what the caller signed, digit for digit)."""
    base = f"{partner_id}{path}{timestamp}"
    if shop_id is not None:
        base += f"{access_token}{shop_id}"
    return base


def hmac_hex(key: str, message: str | bytes) -> str:
    """Lowercase hex HMAC-SHA256 keyed with the UTF-8 bytes of ``key``, as Shopee signs."""
    data = message.encode("utf-8") if isinstance(message, str) else message
    return hmac.new(key.encode("utf-8"), data, hashlib.sha256).hexdigest()


def api_sign(
    partner_key: str,
    partner_id: int | str,
    path: str,
    timestamp: int | str,
    access_token: str = "",
    shop_id: int | str | None = None,
) -> str:
    """The ``sign`` query parameter for a request."""
    return hmac_hex(partner_key, base_string(partner_id, path, timestamp, access_token, shop_id))


def sign_matches(expected: str, given: str) -> bool:
    """Constant-time comparison of a computed and a received signature (case-insensitive hex)."""
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def push_signature(push_key: str, callback_url: str, raw_body: bytes) -> str:
    """``Authorization`` header of a push: HMAC-SHA256 of ``callback_url + "|" + raw body``."""
    return hmac_hex(push_key, callback_url.encode("utf-8") + b"|" + raw_body)
