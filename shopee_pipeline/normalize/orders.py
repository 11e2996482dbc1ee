"""`get_order_detail` objects -> rows of `orders`, `order_items` and `logistics`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd

from shopee_pipeline.normalize import convert
from shopee_pipeline.normalize.frames import RowPlan, latest_by_key, parents, raw_has_list
from shopee_pipeline.normalize.records import TableRows
from shopee_pipeline.warehouse import tables

ORDERS = RowPlan(
    tables.orders,
    special={"order_sn", "shop_id", "update_time", "raw"},
    overrides={"recipient_address": convert.to_json_object, "invoice_data": convert.to_json_object},
)
ORDER_ITEMS = RowPlan(
    tables.order_items,
    special={"order_sn", "line_index", "shop_id", "update_time", "image_url", "raw"},
)
LOGISTICS = RowPlan(
    tables.logistics,
    special={
        "order_sn",
        "package_number",
        "shop_id",
        "update_time",
        "shipping_carrier",
        "tracking_number",
        "parcel_chargeable_weight",
        "raw",
    },
    overrides={"item_list": convert.to_json_array},
)


def _image_url(item: dict) -> str | None:
    info = item.get("image_info")
    return convert.to_text(info.get("image_url")) if type(info) is dict else None


def _parcel_weight(package: dict) -> Any:
    weight = convert.to_decimal(package.get("parcel_chargeable_weight"))
    if weight is None:  # the doc tree says parcel_chargeable_weight, its sample ..._gram
        weight = convert.to_decimal(package.get("parcel_chargeable_weight_gram"))
    return weight


def normalize_orders(shop_id: int, details: Iterable[dict]) -> TableRows:
    """Turn `get_order_detail` `order_list[]` objects of one shop into warehouse rows.

    One `orders` row per order_sn (a duplicate keeps the greatest `update_time`); one `order_items` row
    per `item_list[]` entry (`line_index` = its position); one `logistics` row per `package_list[]` entry
    with `tracking_number` left None for the caller to fill. Orders without a usable `order_sn` or
    `update_time`, packages without `package_number` and non-object entries are skipped with a reason.
    Bad field values become None; the whole API object is kept in `raw`.
    """
    skipped: list[str] = []
    shop_id = int(shop_id)
    order_rows: list[tuple] = []
    item_rows: list[tuple] = []
    package_rows: list[tuple] = []
    for order_sn, (update_time, order) in latest_by_key(details, "order_sn", "order", skipped).items():
        order_rows.append(
            ORDERS.row(
                order, {"order_sn": order_sn, "shop_id": shop_id, "update_time": update_time, "raw": order}
            )
        )
        parent = {"order_sn": order_sn, "shop_id": shop_id, "update_time": update_time}
        items = order.get("item_list")
        if items is not None and type(items) is not list:
            skipped.append(f"order {order_sn}: item_list is not a list but {convert.describe(items)}")
        elif items:
            for line_index, item in enumerate(items):
                if type(item) is not dict:
                    skipped.append(f"order {order_sn}: item #{line_index} is {convert.describe(item)}")
                    continue
                item_rows.append(
                    ORDER_ITEMS.row(
                        item, {**parent, "line_index": line_index, "image_url": _image_url(item), "raw": item}
                    )
                )
        packages = order.get("package_list")
        if packages is not None and type(packages) is not list:
            skipped.append(f"order {order_sn}: package_list is not a list but {convert.describe(packages)}")
        elif packages:
            order_carrier = convert.to_text(order.get("shipping_carrier"))
            seen: set[str] = set()
            for position, package in enumerate(packages):
                if type(package) is not dict:
                    skipped.append(f"order {order_sn}: package #{position} is {convert.describe(package)}")
                    continue
                number = convert.to_text(package.get("package_number"))
                if not number:
                    skipped.append(f"order {order_sn}: package #{position} has no package_number")
                    continue
                if number in seen:
                    skipped.append(f"order {order_sn}: package {number} listed twice, kept the first")
                    continue
                seen.add(number)
                carrier = convert.to_text(package.get("shipping_carrier")) or order_carrier
                package_rows.append(
                    LOGISTICS.row(
                        package,
                        {
                            **parent,
                            "package_number": number,
                            "shipping_carrier": carrier,
                            "tracking_number": None,
                            "parcel_chargeable_weight": _parcel_weight(package),
                            "raw": package,
                        },
                    )
                )
    frames = {
        "orders": ORDERS.frame(order_rows),
        "order_items": ORDER_ITEMS.frame(item_rows),
        "logistics": LOGISTICS.frame(package_rows),
    }
    return TableRows(frames, skipped)


def order_parents(frame: pd.DataFrame, require: str | None = None) -> list[tuple[str, datetime]]:
    """`(order_sn, update_time)` pairs of an `orders` frame, for replacing children as a whole.

    With `require="item_list"` (or `"package_list"`) only orders whose API object actually carried that
    list are returned: an order fetched without `item_list` in `response_optional_fields` must not have
    its stored items wiped.
    """
    keep = raw_has_list(frame, require) if require else None
    return parents(frame, "order_sn", "update_time", keep)
