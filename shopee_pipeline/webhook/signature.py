"""Shopee's push `Authorization`: lowercase hex HMAC-SHA256 of `callback_url + "|" + raw body`.

See docs/shopee-api-notes.md#pushes.
"""

from __future__ import annotations

import hashlib
import hmac


def push_signature(push_key: str, callback_url: str, body: bytes) -> str:
    """The `Authorization` value Shopee sends with a push of `body` to `callback_url`."""
    message = callback_url.encode("utf-8") + b"|" + body
    return hmac.new(push_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_push(push_key: str, callback_url: str, body: bytes, authorization: str | None) -> bool:
    """True when `authorization` is the push signature of `body`, compared in constant time."""
    if not authorization:
        return False
    expected = push_signature(push_key, callback_url, body)
    return hmac.compare_digest(expected.encode("ascii"), authorization.strip().encode("utf-8", "replace"))
