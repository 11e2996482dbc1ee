"""The bookings declaration's normaliser: get_booking_detail objects -> bookings, booking_items frames."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shopee_pipeline.normalize.records import TableRows
from shopee_pipeline.sync.streams import BOOKINGS
from shopee_pipeline.warehouse import tables

SHOP_ID = 226150001
T_UPDATE = 1767312000  # 2026-01-02 00:00:00 UTC


def _columns(table: Any) -> list[str]:
    return [c.name for c in table.columns if c.name != "synced_at"]


def booking(**overrides: Any) -> dict[str, Any]:
    entry = {
        "booking_sn": "BK2601010001",
        "region": "ID",
        "booking_status": "MATCHED",
        "match_status": "MATCH_SUCCESSFUL",
        "order_sn": "260101ABCD1234",
        "create_time": T_UPDATE - 86400,
        "update_time": T_UPDATE,
        "ship_by_date": T_UPDATE + 86400,
        "shipping_carrier": "SPX Standard",
        "recipient_address": {"name": "B***i", "city": "KOTA BANDUNG", "state": "JAWA BARAT"},
        "fulfillment_flag": "fulfilled_by_local_seller",
        "pickup_done_time": 0,
        "cancel_by": "",
        "cancel_reason": "",
        "dropshipper": "",
        "dropshipper_phone": "",
        "item_list": [
            {
                "item_id": 23456789012,
                "item_name": "Kopi Gayo Arabika 250g",
                "item_sku": "KOPI-GAYO-250",
                "model_id": 0,
                "model_name": "",
                "model_sku": "",
                "model_quantity_purchased": 10,
                "weight": 0.3,
                "product_location_id": "IDZ",
                "image_info": {"image_url": "https://cf.shopee.co.id/file/abc"},
            },
            {"item_id": 23456789013, "item_name": "Gula Aren 🍯", "model_quantity_purchased": None},
        ],
    }
    entry.update(overrides)
    return entry


def test_booking_rows() -> None:
    entry = booking()
    rows = BOOKINGS.normaliser.normalize(SHOP_ID, [entry])
    assert isinstance(rows, TableRows)
    assert rows.skipped == []
    row = rows.bookings.iloc[0].to_dict()
    assert row["booking_sn"] == "BK2601010001"
    assert row["shop_id"] == SHOP_ID
    assert row["update_time"] == datetime(2026, 1, 2, tzinfo=UTC)
    assert row["pickup_done_time"] is None
    assert row["recipient_address"]["city"] == "KOTA BANDUNG"
    assert row["raw"] == entry
    items = rows.booking_items
    assert items["line_index"].tolist() == [0, 1]
    assert set(items["booking_sn"]) == {"BK2601010001"}
    assert set(items["update_time"]) == {datetime(2026, 1, 2, tzinfo=UTC)}
    assert items.iloc[0]["weight"] == Decimal("0.3")
    assert items.iloc[0]["image_url"] == "https://cf.shopee.co.id/file/abc"
    assert items.iloc[1]["image_url"] is None
    assert items.iloc[1]["model_quantity_purchased"] is None
    assert items.iloc[1]["item_name"] == "Gula Aren 🍯"
    assert rows.bookings.columns.tolist() == _columns(tables.bookings)
    assert rows.booking_items.columns.tolist() == _columns(tables.booking_items)
    assert BOOKINGS.normaliser.parents(rows)["booking_items"] == [
        ("BK2601010001", datetime(2026, 1, 2, tzinfo=UTC))
    ]


def test_dedupe_skip_and_unknown_status() -> None:
    rows = BOOKINGS.normaliser.normalize(
        SHOP_ID,
        [
            booking(booking_status="READY_TO_SHIP", update_time=T_UPDATE - 10),
            booking(booking_status="SOMETHING_NEW", update_time=T_UPDATE),
            booking(booking_sn="BK-NO-TIME", update_time=None),
            booking(booking_sn=None),
        ],
    )
    assert rows.bookings["booking_status"].tolist() == ["SOMETHING_NEW"]
    assert len(rows.booking_items) == 2
    assert len(rows.skipped) == 2


def test_wrong_types_missing_fields_and_zero_rows() -> None:
    minimal = {"booking_sn": "BK2", "update_time": T_UPDATE, "recipient_address": "text", "region": {"x": 1}}
    rows = BOOKINGS.normaliser.normalize(SHOP_ID, [minimal])
    row = rows.bookings.iloc[0]
    assert row["recipient_address"] is None and row["region"] is None and row["match_status"] is None
    assert rows.booking_items.empty
    assert BOOKINGS.normaliser.parents(rows)["booking_items"] == []
    empty = BOOKINGS.normaliser.normalize(SHOP_ID, [])
    assert empty.bookings.columns.tolist() == _columns(tables.bookings)
    assert empty.booking_items.columns.tolist() == _columns(tables.booking_items)
