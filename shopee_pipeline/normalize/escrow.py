"""`escrow_detail` objects -> rows of `escrow` and `escrow_items`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from shopee_pipeline.normalize import convert
from shopee_pipeline.normalize.frames import RowPlan, parents, raw_has_list
from shopee_pipeline.normalize.records import TableRows
from shopee_pipeline.warehouse import tables

ESCROW = RowPlan(
    tables.escrow,
    special={
        "order_sn",
        "shop_id",
        "order_update_time",
        "buyer_user_name",
        "buyer_payment_method",
        "return_order_sn_list",
        "buyer_payment_info",
        "raw",
    },
)
ESCROW_ITEMS = RowPlan(
    tables.escrow_items, special={"order_sn", "line_index", "shop_id", "order_update_time", "raw"}
)


def _unwrap(entry: Any) -> Any:
    """Accept a batch entry `{"escrow_detail": {...}}` as well as the bare `escrow_detail`."""
    if type(entry) is dict and "order_sn" not in entry and type(entry.get("escrow_detail")) is dict:
        return entry["escrow_detail"]
    return entry


def normalize_escrow(
    shop_id: int, details: Iterable[dict], order_update_times: Mapping[str, datetime]
) -> TableRows:
    """Turn `escrow_detail` objects of one shop into `escrow` and `escrow_items` rows.

    Money columns come from `order_income` under the same names (0 stays `Decimal('0')`);
    `order_update_time` is `order_update_times[order_sn]`, the version of the order the escrow was read
    for. An escrow without a usable `order_sn`, without an `order_income` object or whose order is not in
    `order_update_times` is skipped with a reason; a duplicate order_sn keeps the last one given.
    """
    skipped: list[str] = []
    shop_id = int(shop_id)
    chosen: dict[str, tuple[datetime, dict, dict]] = {}
    for position, entry in enumerate(details):
        entry = _unwrap(entry)
        if type(entry) is not dict:
            skipped.append(f"escrow #{position}: not an object but {convert.describe(entry)}")
            continue
        entry = convert.clean_api_object(entry)
        order_sn = convert.to_text(entry.get("order_sn"))
        if not order_sn:
            skipped.append(
                f"escrow #{position}: missing or unusable order_sn {convert.describe(entry.get('order_sn'))}"
            )
            continue
        income = entry.get("order_income")
        if type(income) is not dict:
            skipped.append(f"escrow {order_sn}: no order_income object ({convert.describe(income)})")
            continue
        update_time = convert.to_utc(order_update_times.get(order_sn))
        if update_time is None:
            skipped.append(f"escrow {order_sn}: order not among the given order update times")
            continue
        chosen.pop(order_sn, None)  # keep the last one, in its own position
        chosen[order_sn] = (update_time, entry, income)

    escrow_rows: list[tuple] = []
    item_rows: list[tuple] = []
    for order_sn, (update_time, entry, income) in chosen.items():
        payment_info = convert.to_json_object(entry.get("buyer_payment_info"))
        method = convert.to_text(income.get("buyer_payment_method"))
        if method is None and payment_info is not None:
            method = convert.to_text(payment_info.get("buyer_payment_method"))
        parent = {"order_sn": order_sn, "shop_id": shop_id, "order_update_time": update_time}
        escrow_rows.append(
            ESCROW.row(
                income,
                {
                    **parent,
                    "buyer_user_name": convert.to_text(entry.get("buyer_user_name")),
                    "buyer_payment_method": method,
                    "return_order_sn_list": convert.to_json_array(entry.get("return_order_sn_list")),
                    "buyer_payment_info": payment_info,
                    "raw": entry,
                },
            )
        )
        items = income.get("items")
        if items is not None and type(items) is not list:
            skipped.append(
                f"escrow {order_sn}: order_income.items is not a list but {convert.describe(items)}"
            )
            continue
        for line_index, item in enumerate(items or ()):
            if type(item) is not dict:
                skipped.append(f"escrow {order_sn}: item #{line_index} is {convert.describe(item)}")
                continue
            item_rows.append(ESCROW_ITEMS.row(item, {**parent, "line_index": line_index, "raw": item}))
    return TableRows(
        {"escrow": ESCROW.frame(escrow_rows), "escrow_items": ESCROW_ITEMS.frame(item_rows)}, skipped
    )


def escrow_parents(frame: pd.DataFrame, require_items: bool = False) -> list[tuple[str, datetime]]:
    """`(order_sn, order_update_time)` pairs of an `escrow` frame, for replacing `escrow_items`.

    With `require_items=True` only escrows whose `order_income.items` was a list are returned.
    """
    keep = raw_has_list(frame, "order_income", "items") if require_items else None
    return parents(frame, "order_sn", "order_update_time", keep)
