"""`get_return_list` / `get_return_detail` objects -> rows of `returns` and `return_items`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from shopee_pipeline.normalize import convert
from shopee_pipeline.normalize.frames import RowPlan, child_objects, latest_by_key, parents, raw_has_list
from shopee_pipeline.warehouse import tables

# Statuses `get_return_list` gives flat and `get_return_detail` nests: column -> the detail's object.
NESTED_STATUSES = {
    "negotiation_status": "negotiation",
    "seller_proof_status": "seller_proof",
    "seller_compensation_status": "seller_compensation",
}
# Shopee spells compensation statuses both `COMPENSATION_REQUESTED` and `REQUESTED`: stored unprefixed.
COMPENSATION_PREFIX = "COMPENSATION_"

RETURNS = RowPlan(
    tables.returns,
    special={"return_sn", "order_sn", "shop_id", "update_time", *NESTED_STATUSES, "raw"},
)
RETURN_ITEMS = RowPlan(
    tables.return_items, special={"return_sn", "line_index", "shop_id", "update_time", "raw"}
)


@dataclass
class ReturnRows:
    """Frames for `returns` and `return_items` (object dtype, no `synced_at`), plus skip reasons."""

    returns: pd.DataFrame
    return_items: pd.DataFrame
    skipped: list[str] = field(default_factory=list)


def _status(entry: dict[str, Any], column: str) -> str | None:
    """A status the list gives flat (`entry[column]`) and the detail nests (`entry[object][column]`)."""
    nested = entry.get(NESTED_STATUSES[column])
    value = convert.to_text(entry.get(column))
    if value is None and type(nested) is dict:
        value = convert.to_text(nested.get(column))
    if column == "seller_compensation_status" and value and value.startswith(COMPENSATION_PREFIX):
        value = value[len(COMPENSATION_PREFIX) :]
    return value


def normalize_returns(shop_id: int, entries: Iterable[dict]) -> ReturnRows:
    """Turn return objects of one shop (`get_return_list`'s `return[]` or `get_return_detail` answers)
    into warehouse rows.

    One `returns` row per return_sn (a duplicate keeps the greatest `update_time`), one `return_items`
    row per `item[]` entry keyed by `return_sn` + `line_index` with the parent's `update_time`. Returns
    without a usable `return_sn`, `order_sn` or `update_time` are skipped with a reason.
    """
    skipped: list[str] = []
    shop_id = int(shop_id)
    return_rows: list[tuple] = []
    item_rows: list[tuple] = []
    for return_sn, (update_time, entry) in latest_by_key(entries, "return_sn", "return", skipped).items():
        order_sn = convert.to_text(entry.get("order_sn"))
        if not order_sn:
            skipped.append(f"return {return_sn}: missing or unusable order_sn")
            continue
        parent = {"return_sn": return_sn, "shop_id": shop_id, "update_time": update_time}
        statuses = {column: _status(entry, column) for column in NESTED_STATUSES}
        return_rows.append(RETURNS.row(entry, {**parent, **statuses, "order_sn": order_sn, "raw": entry}))
        for line_index, item in child_objects(entry.get("item"), f"return {return_sn}", "item", skipped):
            item_rows.append(RETURN_ITEMS.row(item, {**parent, "line_index": line_index, "raw": item}))
    return ReturnRows(
        returns=RETURNS.frame(return_rows), return_items=RETURN_ITEMS.frame(item_rows), skipped=skipped
    )


def return_parents(frame: pd.DataFrame) -> list[tuple[str, datetime]]:
    """`(return_sn, update_time)` pairs of the returns whose object carried its `item` list."""
    return parents(frame, "return_sn", "update_time", raw_has_list(frame, "item"))
