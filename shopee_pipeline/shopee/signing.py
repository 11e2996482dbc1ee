"""Request signing for the Shopee Open Platform: ``sign`` of docs/shopee-api-notes.md#signing."""

from __future__ import annotations

import hashlib
import hmac


def base_string(
    partner_id: int, path: str, timestamp: int, access_token: str | None = None, shop_id: int | None = None
) -> str:
    """Return the string to sign: public ``partner_id+path+timestamp``, shop ``...+access_token+shop_id``."""
    base = f"{partner_id}{path}{timestamp}"
    if access_token is not None and shop_id is not None:
        base += f"{access_token}{shop_id}"
    return base


def sign(partner_key: str, base: str) -> str:
    """Return the lowercase hex HMAC-SHA256 of ``base`` keyed with the partner key's UTF-8 bytes."""
    return hmac.new(partner_key.encode("utf-8"), base.encode("utf-8"), hashlib.sha256).hexdigest()


def common_params(
    partner_id: int,
    partner_key: str,
    path: str,
    timestamp: int,
    access_token: str | None = None,
    shop_id: int | None = None,
) -> dict[str, str | int]:
    """Return the signed common query parameters of a public call, or of a shop call when a token is given."""
    params: dict[str, str | int] = {"partner_id": partner_id, "timestamp": timestamp}
    if access_token is not None and shop_id is not None:
        params["access_token"] = access_token
        params["shop_id"] = shop_id
    params["sign"] = sign(partner_key, base_string(partner_id, path, timestamp, access_token, shop_id))
    return params
