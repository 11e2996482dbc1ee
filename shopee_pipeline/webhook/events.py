"""From a verified raw body (or a recovered lost push) to a stored `webhook_events` row.

The envelope is Shopee's `{shop_id, code, timestamp, data, msg_id?}`. Postgres cannot store a NUL or a
lone surrogate in `jsonb`, yet a correctly signed push may carry them (as `\\u0000` or `\\ud800` escapes):
such characters are stored spelt out as the visible text `\\u0000` / `\\ud800`, so the push is kept, answered
200 and still readable; everything else is stored as received.

A new status push (codes 3 and 23) also writes its status into the stored order or booking, in the same
transaction as its event row (`warehouse.quick_status`): both land or neither does.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from shopee_pipeline.push_codes import BOOKING_STATUS_PUSH, ORDER_STATUS_PUSH
from shopee_pipeline.warehouse.quick_status import (
    BOOKING_STATUS_COLUMN,
    ORDER_STATUS_COLUMN,
    StatusColumn,
    update_status_only,
)
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.warehouse.webhook_events import insert_event

_INT32 = 2**31
_INT64 = 2**63
# Escapes in JSON text that decode to a NUL or a UTF-16 surrogate (paired ones match too: harmless).
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(0000|[dD][89a-fA-F])")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class _StatusPush:
    """A push code whose status is written at once: into `target`, from the first of `data`'s `key_fields`
    it carries, its `status_field` and its `update_time`."""

    target: StatusColumn
    key_fields: tuple[str, ...]
    status_field: str


# order_status_push and booking_status_push, by the `data` fields each carries
# (docs/shopee-api-notes.md#pushes).
_STATUS_PUSHES = {
    ORDER_STATUS_PUSH: _StatusPush(ORDER_STATUS_COLUMN, ("ordersn", "order_sn"), "status"),
    BOOKING_STATUS_PUSH: _StatusPush(BOOKING_STATUS_COLUMN, ("booking_sn",), "booking_status"),
}


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


def _escape_text(text: str) -> str:
    return _UNSTORABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def storable(value: Any) -> Any:
    """`value` (decoded JSON) with every NUL and lone surrogate of its strings and keys spelt out as the
    visible escape `\\uXXXX`, which Postgres `jsonb` accepts."""
    if isinstance(value, str):
        return _escape_text(value)
    if isinstance(value, dict):
        return {_escape_text(k) if isinstance(k, str) else k: storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


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
    return _push(envelope, body)


def _push(envelope: dict[str, Any], body: bytes) -> Push:
    if _UNSTORABLE_ESCAPE.search(body):
        envelope = storable(envelope)
    code = _as_int(envelope.get("code"), _INT32)
    if code is None:
        raise InvalidPush("body has no integer 'code'")
    key = dedupe_key(envelope, body)
    msg_id = key[len("msg:") :] if key.startswith("msg:") else None
    return Push(dedupe_key=key, msg_id=msg_id, shop_id=_shop_id(envelope), code=code, payload=envelope)


def lost_push(envelope: dict[str, Any]) -> Push:
    """The push a recovered lost message stands for (an envelope from `get_lost_push_messages`); raises
    `InvalidPush` when it has no integer `code`. Without a `msg_id` it dedupes on its canonical JSON."""
    return _push(envelope, json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode())


def insert_push(conn: Connection, push: Push, source: str = "push", outcome: str | None = None) -> bool:
    """Insert `push` on the caller's transaction; True if new, False if it was a duplicate.

    `source` says how it arrived: `push` (delivered to the receiver) or `lost_push` (recovered). With
    `outcome` it is stored already processed (kept for the record, never routed). A new status push also
    updates the status of the record it names, on the same transaction (`_quick_status`).
    """
    inserted = insert_event(
        conn,
        dedupe_key=push.dedupe_key,
        code=push.code,
        payload=push.payload,
        shop_id=push.shop_id,
        msg_id=push.msg_id,
        source=source,
        outcome=outcome,
    )
    if inserted:
        _quick_status(conn, push)
    return inserted


def _push_time(value: Any) -> datetime | None:
    """A push's `update_time` (Unix seconds) when it is a positive int a datetime can hold, else None."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _quick_status(conn: Connection, push: Push) -> None:
    """Write the status a code-3 or code-23 push carries into the stored record it names
    (`update_status_only`: only a row of its shop older than the push). It changes nothing unless the push
    has a shop, a string key, a non-empty string status and an integer `update_time`."""
    kind = _STATUS_PUSHES.get(push.code)
    data = push.payload.get("data")
    if kind is None or push.shop_id is None or not isinstance(data, dict):
        return
    key = next((data[name] for name in kind.key_fields if data.get(name)), None)
    status = data.get(kind.status_field)
    update_time = _push_time(data.get("update_time"))
    if isinstance(key, str) and key.strip() and isinstance(status, str) and status.strip() and update_time:
        update_status_only(
            conn, kind.target, shop_id=push.shop_id, key=key.strip(), status=status, update_time=update_time
        )


def store_push(warehouse: Warehouse, push: Push) -> bool:
    """Write `push` (and its quick status update) in its own committed transaction; True if new, False if
    it was a duplicate."""
    with warehouse.begin() as conn:
        return insert_push(conn, push)
