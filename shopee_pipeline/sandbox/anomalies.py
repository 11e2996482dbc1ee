"""Bad input from Shopee, on demand: per-order anomalies that bend the answers of the order endpoints.

An anomaly is attached to one ``(shop_id, order_sn)`` and changes only what the API answers, never the
world's ground truth (``world.order_detail`` stays clean):

- ``missing_optional``: ``get_order_detail`` leaves out every optional field except ``item_list``
  (as if Shopee ignored ``response_optional_fields``);
- ``null_numbers``: every number of the detail (top level and item lines) is ``null``, except
  ``update_time``;
- ``unknown_status``: the list and the detail report ``order_status`` ``UNKNOWN_STATUS`` (a status
  this emulator never uses, standing for one Shopee may add);
- ``long_strings``: ``buyer_username``, ``message_to_seller``, ``note`` and each ``item_name`` are
  ``LONG_STRING_BYTES`` characters long;
- ``unicode``: the same fields hold emoji and non-Latin text (``UNICODE_TEXT``);
- ``duplicate_in_list``: the order appears twice in its ``get_order_list`` page;
- ``vanish``: listed by ``get_order_list`` but gone from ``get_order_detail`` (a ``warning``, or a
  whole-call ``error_not_found`` when ``unknown_order_sn="error"``);
- ``warning``: a ``get_order_detail`` batch that holds the order also carries a ``warning`` (the order
  is still returned).
"""

from __future__ import annotations

import threading
from typing import Any

ANOMALY_KINDS: tuple[str, ...] = (
    "missing_optional",
    "null_numbers",
    "unknown_status",
    "long_strings",
    "unicode",
    "duplicate_in_list",
    "vanish",
    "warning",
)
UNKNOWN_STATUS = "UNKNOWN_STATUS"
LONG_STRING_BYTES = 100 * 1024
UNICODE_TEXT = "Toko 🛍️✨ 東京 ร้านค้า متجر Магазин 가게 — ñ ü ø"
_TEXT_FIELDS = ("buyer_username", "message_to_seller", "note")


class Anomalies:
    """Which orders carry which anomalies. Thread-safe; empty unless a test injects some."""

    def __init__(self) -> None:
        self._kinds: dict[tuple[int, str], set[str]] = {}
        self._lock = threading.Lock()

    def inject(self, shop_id: int, order_sn: str, kinds: list[str] | tuple[str, ...]) -> None:
        """Attach ``kinds`` to the order (added to any it already has); ValueError for unknown kinds."""
        unknown = set(kinds) - set(ANOMALY_KINDS)
        if unknown or not kinds:
            raise ValueError(f"kinds must be a non-empty subset of {ANOMALY_KINDS}")
        with self._lock:
            self._kinds.setdefault((shop_id, order_sn), set()).update(kinds)

    def clear(self) -> None:
        """Remove every anomaly."""
        with self._lock:
            self._kinds.clear()

    def of(self, shop_id: int, order_sn: str) -> frozenset[str]:
        """The anomalies of one order (empty when none)."""
        with self._lock:
            return frozenset(self._kinds.get((shop_id, order_sn), ()))

    def listing(self) -> list[dict[str, Any]]:
        """Every injected anomaly as ``{"shop_id", "order_sn", "kinds"}``."""
        with self._lock:
            return [
                {"shop_id": shop, "order_sn": sn, "kinds": sorted(kinds)}
                for (shop, sn), kinds in sorted(self._kinds.items())
            ]


def _nulled(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None
    if isinstance(value, list):
        return [_nulled(v) for v in value]
    if isinstance(value, dict):
        return {k: _nulled(v) for k, v in value.items()}
    return value


def _with_text(detail: dict[str, Any], text: str) -> dict[str, Any]:
    detail.update({name: text for name in _TEXT_FIELDS})
    detail["item_list"] = [
        {**item, "item_name": text} if isinstance(item, dict) else item
        for item in detail.get("item_list") or []
    ]
    return detail


def bend_detail(
    detail: dict[str, Any], kinds: frozenset[str], optional_fields: frozenset[str]
) -> dict[str, Any]:
    """The ``get_order_detail`` entry of an order with anomalies ``kinds`` (``vanish`` and ``warning``
    are handled by the caller). ``optional_fields`` are the names that count as optional."""
    bent = dict(detail)
    if "missing_optional" in kinds:
        bent = {k: v for k, v in bent.items() if k not in optional_fields or k == "item_list"}
    if "null_numbers" in kinds:
        bent = {k: (v if k == "update_time" else _nulled(v)) for k, v in bent.items()}
    if "unknown_status" in kinds:
        bent["order_status"] = UNKNOWN_STATUS
    if "long_strings" in kinds:
        bent = _with_text(bent, "x" * LONG_STRING_BYTES)
    if "unicode" in kinds:
        bent = _with_text(bent, UNICODE_TEXT)
    return bent
