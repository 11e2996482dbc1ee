"""`get_booking_detail` objects -> rows of `bookings` and `booking_items`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from shopee_pipeline.normalize import convert
from shopee_pipeline.normalize.frames import RowPlan, child_objects, latest_by_key, parents, raw_has_list
from shopee_pipeline.warehouse import tables

BOOKINGS = RowPlan(
    tables.bookings,
    special={"booking_sn", "shop_id", "update_time", "raw"},
    overrides={"recipient_address": convert.to_json_object},
)
BOOKING_ITEMS = RowPlan(
    tables.booking_items,
    special={"booking_sn", "line_index", "shop_id", "update_time", "image_url", "raw"},
)


@dataclass
class BookingRows:
    """Frames for `bookings` and `booking_items` (object dtype, no `synced_at`), plus skip reasons."""

    bookings: pd.DataFrame
    booking_items: pd.DataFrame
    skipped: list[str] = field(default_factory=list)


def normalize_bookings(shop_id: int, details: Iterable[dict]) -> BookingRows:
    """Turn `get_booking_detail` `booking_list[]` objects of one shop into warehouse rows.

    One `bookings` row per booking_sn (a duplicate keeps the greatest `update_time`), one `booking_items`
    row per `item_list[]` entry keyed by `booking_sn` + `line_index` with the parent's `update_time`.
    Bookings without a usable `booking_sn` or `update_time` are skipped with a reason.
    """
    skipped: list[str] = []
    shop_id = int(shop_id)
    booking_rows: list[tuple] = []
    item_rows: list[tuple] = []
    for booking_sn, (update_time, booking) in latest_by_key(
        details, "booking_sn", "booking", skipped
    ).items():
        parent = {"booking_sn": booking_sn, "shop_id": shop_id, "update_time": update_time}
        booking_rows.append(BOOKINGS.row(booking, {**parent, "raw": booking}))
        items = child_objects(booking.get("item_list"), f"booking {booking_sn}", "item_list", skipped)
        for line_index, item in items:
            info = item.get("image_info")
            image_url = convert.to_text(info.get("image_url")) if type(info) is dict else None
            item_rows.append(
                BOOKING_ITEMS.row(
                    item, {**parent, "line_index": line_index, "image_url": image_url, "raw": item}
                )
            )
    return BookingRows(
        bookings=BOOKINGS.frame(booking_rows), booking_items=BOOKING_ITEMS.frame(item_rows), skipped=skipped
    )


def booking_parents(frame: pd.DataFrame, require: str | None = None) -> list[tuple[str, datetime]]:
    """`(booking_sn, update_time)` pairs of a `bookings` frame; `require` as in `order_parents`."""
    keep = raw_has_list(frame, require) if require else None
    return parents(frame, "booking_sn", "update_time", keep)
