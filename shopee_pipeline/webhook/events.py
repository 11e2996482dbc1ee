"""From a verified raw body to a stored `webhook_events` row (reference 5.1 envelope)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.warehouse.webhook_events import insert_event

_INT32 = 2**31
_INT64 = 2**63


class InvalidPush(ValueError):
    """The body is not a Shopee push envelope (not a JSON object, or no integer `code`)."""


@dataclass(frozen=True)
class Push:
    """What the receiver stores of one push."""

    dedupe_key: str
    msg_id: str | None
    shop_id: int | None
    code: int
    payload: dict[str, Any]


def _reject_constant(name: str) -> Any:
    raise InvalidPush(f"{name} is not valid JSON")


def _as_int(value: Any, bound: int) -> int | None:
    """`value` as an int when it is one (or a decimal string) within +-`bound`, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, int) and -bound <= value < bound:
        return value
    return None


def _shop_id(envelope: dict[str, Any]) -> int | None:
    """`shop_id` at the top level, else inside `data` (an object, or JSON text as in lost pushes)."""
    if envelope.get("shop_id") is not None:
        return _as_int(envelope["shop_id"], _INT64)
    data = envelope.get("data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    if isinstance(data, dict) and data.get("shop_id") is not None:
        return _as_int(data["shop_id"], _INT64)
    return None


def dedupe_key(envelope: dict[str, Any], body: bytes) -> str:
    """`msg:<msg_id>` when the push carries a `msg_id`, else `sha256:<hex of the raw body>`."""
    msg_id = envelope.get("msg_id")
    if isinstance(msg_id, str | int) and not isinstance(msg_id, bool) and str(msg_id).strip():
        return f"msg:{str(msg_id).strip()}"
    return f"sha256:{hashlib.sha256(body).hexdigest()}"


def parse_push(body: bytes) -> Push:
    """Parse a raw push body; raises `InvalidPush` when it is not a JSON object with an integer `code`."""
    try:
        envelope = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise InvalidPush("body is not valid JSON") from None
    if not isinstance(envelope, dict):
        raise InvalidPush("body is not a JSON object")
    code = _as_int(envelope.get("code"), _INT32)
    if code is None:
        raise InvalidPush("body has no integer 'code'")
    key = dedupe_key(envelope, body)
    msg_id = key[len("msg:") :] if key.startswith("msg:") else None
    return Push(dedupe_key=key, msg_id=msg_id, shop_id=_shop_id(envelope), code=code, payload=envelope)


def insert_push(conn: Connection, push: Push, source: str = "push") -> bool:
    """Insert `push` on the caller's transaction; True if new, False if it was a duplicate.

    `source` says how it arrived: `push` (delivered to the receiver) or `lost_push` (recovered).
    """
    return insert_event(
        conn,
        dedupe_key=push.dedupe_key,
        code=push.code,
        payload=push.payload,
        shop_id=push.shop_id,
        msg_id=push.msg_id,
        source=source,
    )


def store_push(warehouse: Warehouse, push: Push) -> bool:
    """Write `push` in its own committed transaction; True if new, False if it was a duplicate."""
    with warehouse.begin() as conn:
        return insert_push(conn, push)
