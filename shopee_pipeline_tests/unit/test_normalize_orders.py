"""normalize_orders: get_order_detail objects -> orders, order_items, logistics frames."""

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from shopee_pipeline.normalize.orders import normalize_orders, order_parents
from shopee_pipeline.normalize.records import TableRows
from shopee_pipeline.warehouse import tables

SHOP_ID = 226150001
T_CREATE = 1767225600  # 2026-01-01 00:00:00 UTC
T_UPDATE = 1767312000  # 2026-01-02 00:00:00 UTC


def _columns(table: Any) -> list[str]:
    return [c.name for c in table.columns if c.name != "synced_at"]


def indonesian_order(**overrides: Any) -> dict[str, Any]:
    """A paid Jakarta order: a 2-item bundle sharing order_item_id, a single item, split in two packages."""
    order = {
        "order_sn": "260101ABCD1234",
        "region": "ID",
        "currency": "IDR",
        "cod": False,
        "total_amount": 189000.0,
        "order_status": "PROCESSED",
        "shipping_carrier": "SPX Standard",
        "checkout_shipping_carrier": "SPX Standard",
        "payment_method": "ShopeePay",
        "estimated_shipping_fee": 15000.0,
        "actual_shipping_fee": 0,
        "actual_shipping_fee_confirmed": False,
        "message_to_seller": "Tolong dibungkus rapi ya kak 🙏",
        "create_time": T_CREATE,
        "update_time": T_UPDATE,
        "pay_time": T_CREATE + 120,
        "ship_by_date": T_CREATE + 2 * 86400,
        "days_to_ship": 2,
        "pickup_done_time": 0,
        "note": "",
        "note_update_time": 0,
        "buyer_user_id": 812345678,
        "buyer_username": "budi_santoso",
        "recipient_address": {
            "name": "B***i",
            "phone": "******89",
            "town": "Kebayoran Baru",
            "district": "Kebayoran Baru",
            "city": "KOTA JAKARTA SELATAN",
            "state": "DKI JAKARTA",
            "region": "ID",
            "zipcode": "12160",
            "full_address": "Jl. S****** No. **, Kebayoran Baru, KOTA JAKARTA SELATAN, DKI JAKARTA, 12160",
        },
        "fulfillment_flag": "fulfilled_by_local_seller",
        "split_up": True,
        "goods_to_declare": False,
        "order_chargeable_weight_gram": 1250,
        "booking_sn": "",
        "advance_package": False,
        "cancel_by": "",
        "cancel_reason": "",
        "buyer_cancel_reason": "",
        "dropshipper": "",
        "dropshipper_phone": "",
        "return_request_due_date": 0,
        "invoice_data": None,
        "edt_from": 0,
        "item_list": [
            {
                "item_id": 23456789012,
                "item_name": "Kopi Gayo Arabika 250g",
                "item_sku": "KOPI-GAYO-250",
                "model_id": 0,
                "model_name": "",
                "model_sku": "",
                "model_quantity_purchased": 2,
                "model_original_price": 65000.0,
                "model_discounted_price": 0,
                "wholesale": False,
                "weight": 0.3,
                "add_on_deal": False,
                "main_item": False,
                "add_on_deal_id": 0,
                "promotion_type": "bundle_deal",
                "promotion_id": 18446744073709551000,
                "order_item_id": 99887766,
                "line_item_id": 5550001,
                "promotion_group_id": 0,
                "image_info": {"image_url": "https://cf.shopee.co.id/file/id-11134207-abc"},
                "product_location_id": "IDZ",
                "is_prescription_item": False,
                "is_b2c_owned_item": False,
            },
            {
                "item_id": 23456789013,
                "item_name": "Gula Aren Cair 500ml",
                "item_sku": "GULA-AREN-500",
                "model_id": 112233,
                "model_name": "Botol",
                "model_sku": "GA-500-B",
                "model_quantity_purchased": 1,
                "model_original_price": 35000.0,
                "model_discounted_price": 0,
                "wholesale": False,
                "weight": 0.55,
                "add_on_deal": False,
                "main_item": False,
                "add_on_deal_id": 0,
                "promotion_type": "bundle_deal",
                "promotion_id": 18446744073709551000,
                "order_item_id": 99887766,
                "line_item_id": 5550002,
                "promotion_group_id": 0,
                "image_info": {"image_url": "https://cf.shopee.co.id/file/id-11134207-def"},
                "product_location_id": "IDZ",
            },
            {
                "item_id": 23456789099,
                "item_name": "Tumbler Stainless 500ml",
                "item_sku": "TMB-500",
                "model_id": 445566,
                "model_name": "Hitam",
                "model_sku": "TMB-500-BLK",
                "model_quantity_purchased": 1,
                "model_original_price": 59000.0,
                "model_discounted_price": 54000.0,
                "wholesale": False,
                "weight": 0.4,
                "add_on_deal": False,
                "main_item": False,
                "add_on_deal_id": 0,
                "promotion_type": "product_promotion",
                "promotion_id": 701234567,
                "order_item_id": 23456789099,
                "line_item_id": 5550003,
                "promotion_group_id": 0,
                "image_info": {"image_url": "https://cf.shopee.co.id/file/id-11134207-ghi"},
                "product_location_id": "IDZ",
            },
        ],
        "package_list": [
            {
                "package_number": "OFG123456789012345",
                "logistics_status": "LOGISTICS_READY",
                "logistics_channel_id": 8005,
                "shipping_carrier": "SPX Standard",
                "allow_self_design_awb": False,
                "item_list": [
                    {"item_id": 23456789012, "model_id": 0, "model_quantity": 2, "order_item_id": 99887766},
                    {
                        "item_id": 23456789013,
                        "model_id": 112233,
                        "model_quantity": 1,
                        "order_item_id": 99887766,
                    },
                ],
                "parcel_chargeable_weight_gram": 850,
                "group_shipment_id": None,
                "sorting_group": "",
            },
            {
                "package_number": "OFG123456789012346",
                "logistics_status": "LOGISTICS_REQUEST_CREATED",
                "logistics_channel_id": 8003,
                "allow_self_design_awb": True,
                "item_list": [
                    {
                        "item_id": 23456789099,
                        "model_id": 445566,
                        "model_quantity": 1,
                        "order_item_id": 23456789099,
                    }
                ],
                "parcel_chargeable_weight": 400,
            },
        ],
    }
    order.update(overrides)
    return order


def test_realistic_indonesian_order() -> None:
    order = indonesian_order()
    rows = normalize_orders(SHOP_ID, [order])
    assert isinstance(rows, TableRows)
    assert rows.skipped == []
    assert len(rows.orders) == 1
    o = rows.orders.iloc[0].to_dict()
    assert o["order_sn"] == "260101ABCD1234"
    assert o["shop_id"] == SHOP_ID
    assert o["currency"] == "IDR"
    assert o["update_time"] == datetime(2026, 1, 2, tzinfo=UTC)
    assert o["create_time"] == datetime(2026, 1, 1, tzinfo=UTC)
    assert o["pay_time"] == datetime(2026, 1, 1, 0, 2, tzinfo=UTC)
    assert o["pickup_done_time"] is None  # 0 means "not yet"
    assert o["note_update_time"] is None
    assert o["total_amount"] == Decimal("189000.0") and isinstance(o["total_amount"], Decimal)
    assert o["actual_shipping_fee"] == Decimal("0")
    assert o["cod"] is False and o["split_up"] is True
    assert o["buyer_user_id"] == 812345678 and type(o["buyer_user_id"]) is int
    assert o["recipient_address"]["city"] == "KOTA JAKARTA SELATAN"
    assert o["invoice_data"] is None
    assert o["message_to_seller"] == "Tolong dibungkus rapi ya kak 🙏"
    assert o["raw"] == order

    items = rows.order_items
    assert items["line_index"].tolist() == [0, 1, 2]
    assert items["order_item_id"].tolist() == [99887766, 99887766, 23456789099]
    assert set(items["order_sn"]) == {"260101ABCD1234"}
    assert set(items["update_time"]) == {datetime(2026, 1, 2, tzinfo=UTC)}
    assert set(items["shop_id"]) == {SHOP_ID}
    first = items.iloc[0].to_dict()
    assert first["promotion_id"] == 18446744073709551000 and type(first["promotion_id"]) is int
    assert first["model_discounted_price"] == Decimal("0")
    assert first["weight"] == Decimal("0.3")
    assert first["image_url"] == "https://cf.shopee.co.id/file/id-11134207-abc"
    assert first["raw"] == order["item_list"][0]
    assert items.iloc[2]["model_discounted_price"] == Decimal("54000.0")

    packages = rows.logistics
    assert packages["package_number"].tolist() == ["OFG123456789012345", "OFG123456789012346"]
    assert packages["tracking_number"].tolist() == [None, None]
    assert packages["parcel_chargeable_weight"].tolist() == [Decimal("850"), Decimal("400")]
    assert packages["shipping_carrier"].tolist() == ["SPX Standard", "SPX Standard"]  # 2nd from the order
    assert packages["logistics_channel_id"].tolist() == [8005, 8003]
    assert packages["allow_self_design_awb"].tolist() == [False, True]
    assert len(packages.iloc[0]["item_list"]) == 2
    assert packages.iloc[0]["group_shipment_id"] is None
    assert set(packages["update_time"]) == {datetime(2026, 1, 2, tzinfo=UTC)}

    assert order_parents(rows.orders) == [("260101ABCD1234", datetime(2026, 1, 2, tzinfo=UTC))]


def test_frames_have_exactly_the_table_columns_and_object_dtype() -> None:
    rows = normalize_orders(SHOP_ID, [indonesian_order()])
    for frame, table in [
        (rows.orders, tables.orders),
        (rows.order_items, tables.order_items),
        (rows.logistics, tables.logistics),
    ]:
        assert frame.columns.tolist() == _columns(table)
        assert all(dtype.kind == "O" for dtype in frame.dtypes)


def test_zero_rows_still_have_all_columns() -> None:
    rows = normalize_orders(SHOP_ID, [])
    assert rows.orders.columns.tolist() == _columns(tables.orders)
    assert rows.order_items.columns.tolist() == _columns(tables.order_items)
    assert rows.logistics.columns.tolist() == _columns(tables.logistics)
    assert len(rows.orders) == len(rows.order_items) == len(rows.logistics) == 0
    assert order_parents(rows.orders) == []


def test_duplicates_keep_the_greatest_update_time() -> None:
    old = indonesian_order(order_status="READY_TO_SHIP", update_time=T_UPDATE - 60)
    new = indonesian_order(order_status="SHIPPED", update_time=T_UPDATE)
    new["item_list"] = new["item_list"][:1]
    older_again = indonesian_order(order_status="UNPAID", update_time=T_UPDATE - 3600)
    rows = normalize_orders(SHOP_ID, [old, new, older_again])
    assert rows.orders["order_status"].tolist() == ["SHIPPED"]
    assert len(rows.order_items) == 1  # children come from the kept version only
    assert rows.skipped == []


def test_order_without_update_time_or_order_sn_is_skipped_with_reason() -> None:
    rows = normalize_orders(
        SHOP_ID,
        [
            indonesian_order(order_sn="A1", update_time=None),
            indonesian_order(order_sn="A2", update_time=0),
            indonesian_order(order_sn="A3", update_time="yesterday"),
            indonesian_order(order_sn=None),
            indonesian_order(order_sn={"sn": "x"}),
            "not an order",
            indonesian_order(order_sn="OK"),
        ],
    )
    assert rows.orders["order_sn"].tolist() == ["OK"]
    assert len(rows.skipped) == 6
    assert any("A1" in reason and "update_time" in reason for reason in rows.skipped)
    assert any("order_sn" in reason for reason in rows.skipped)
    assert set(rows.order_items["order_sn"]) == {"OK"}


def test_package_without_number_is_skipped_and_duplicates_dropped() -> None:
    order = indonesian_order()
    order["package_list"].append({"logistics_status": "LOGISTICS_READY"})
    order["package_list"].append(copy.deepcopy(order["package_list"][0]))
    rows = normalize_orders(SHOP_ID, [order])
    assert len(rows.logistics) == 2
    assert len(rows.skipped) == 2
    assert "package_number" in rows.skipped[0]


def test_missing_optional_fields_become_none() -> None:
    minimal = {"order_sn": "MIN1", "region": "ID", "currency": "IDR", "update_time": T_UPDATE}
    rows = normalize_orders(SHOP_ID, [minimal])
    row = rows.orders.iloc[0].to_dict()
    assert row["total_amount"] is None
    assert row["recipient_address"] is None
    assert row["cod"] is None
    assert row["create_time"] is None
    assert row["raw"] == minimal
    assert rows.order_items.empty and rows.logistics.empty
    # An order fetched without item_list must not be listed as a parent whose items get replaced.
    assert order_parents(rows.orders, require="item_list") == []
    assert order_parents(rows.orders) == [("MIN1", datetime(2026, 1, 2, tzinfo=UTC))]


def test_nulls_where_numbers_belong() -> None:
    order = indonesian_order(total_amount=None, days_to_ship=None, buyer_user_id=None)
    order["item_list"][0].update(model_quantity_purchased=None, model_original_price=None, item_id=None)
    rows = normalize_orders(SHOP_ID, [order])
    assert rows.orders.iloc[0]["total_amount"] is None
    assert rows.orders.iloc[0]["days_to_ship"] is None
    assert rows.orders.iloc[0]["buyer_user_id"] is None
    item = rows.order_items.iloc[0]
    assert item["model_quantity_purchased"] is None
    assert item["model_original_price"] is None
    assert item["item_id"] is None


def test_unknown_status_long_strings_and_non_latin_text_kept() -> None:
    long_note = "catatan " * 12_800  # ~100 KB
    order = indonesian_order(
        order_status="AWAITING_ALIEN_APPROVAL",
        note=long_note,
        message_to_seller="请尽快发货 😀 ขอบคุณ สวัสดี",
    )
    order["item_list"][0]["item_name"] = "Кофе 커피 コーヒー ☕"
    rows = normalize_orders(SHOP_ID, [order])
    row = rows.orders.iloc[0]
    assert row["order_status"] == "AWAITING_ALIEN_APPROVAL"
    assert row["note"] == long_note and len(row["note"]) > 100_000
    assert row["message_to_seller"] == "请尽快发货 😀 ขอบคุณ สวัสดี"
    assert rows.order_items.iloc[0]["item_name"] == "Кофе 커피 コーヒー ☕"


def test_wrong_types_become_none_never_raise() -> None:
    order = indonesian_order(
        total_amount="abc",
        payment_method={"name": "ShopeePay"},
        cod="maybe",
        create_time="tomorrow",
        days_to_ship=[2],
        recipient_address="Jl. Sudirman",
        region=12,
        buyer_user_id=2**70,
        note="null\x00byte",
    )
    order["item_list"][0].update(promotion_id="big", weight="heavy", image_info="not-a-dict")
    order["item_list"].append("not an item")
    order["package_list"][0].update(logistics_channel_id="SPX", item_list={"a": 1})
    rows = normalize_orders(SHOP_ID, [order])
    row = rows.orders.iloc[0]
    assert row["total_amount"] is None
    assert row["payment_method"] is None
    assert row["cod"] is None
    assert row["create_time"] is None
    assert row["days_to_ship"] is None
    assert row["recipient_address"] is None
    assert row["region"] == "12"
    assert row["buyer_user_id"] is None
    assert row["note"] == "nullbyte"
    item = rows.order_items.iloc[0]
    assert item["promotion_id"] is None and item["weight"] is None and item["image_url"] is None
    assert len(rows.order_items) == 3
    assert any("item #3" in reason for reason in rows.skipped)
    assert rows.logistics.iloc[0]["logistics_channel_id"] is None
    assert rows.logistics.iloc[0]["item_list"] is None


def test_wrong_type_child_lists_are_reported() -> None:
    rows = normalize_orders(SHOP_ID, [indonesian_order(item_list="oops", package_list={"x": 1})])
    assert len(rows.orders) == 1
    assert rows.order_items.empty and rows.logistics.empty
    assert len(rows.skipped) == 2


def test_unknown_extra_fields_are_ignored_but_kept_in_raw() -> None:
    order = indonesian_order(hot_listing_order=True, brand_new_field={"nested": [1, 2]})
    order["item_list"][0]["active_qty"] = 2
    rows = normalize_orders(SHOP_ID, [order])
    assert "brand_new_field" not in rows.orders.columns
    assert rows.orders.iloc[0]["raw"]["brand_new_field"] == {"nested": [1, 2]}
    assert rows.order_items.iloc[0]["raw"]["active_qty"] == 2


def test_input_is_not_mutated() -> None:
    order = indonesian_order(note="a\x00b")
    snapshot = copy.deepcopy(order)
    normalize_orders(SHOP_ID, [order])
    assert order == snapshot


def _bulk(count: int) -> list[dict[str, Any]]:
    base = indonesian_order()
    base["item_list"] = base["item_list"] + base["item_list"][:2]  # 5 items -> alternate 5 and 0
    orders = []
    for n in range(count):
        order = dict(base, order_sn=f"2601{n:010d}", update_time=T_UPDATE + n)
        if n % 2:
            order["item_list"] = []
        orders.append(order)
    return orders


def test_two_thousand_orders_with_and_without_items_give_every_row() -> None:
    """Shape only: its speed is `benchmarks/bench_normalize`'s to print, not a test's to time."""
    rows = normalize_orders(SHOP_ID, _bulk(2000))
    assert len(rows.orders) == 2000
    assert len(rows.order_items) == 5000
    assert len(rows.logistics) == 4000


@pytest.mark.parametrize("frame_name", ["orders", "order_items", "logistics"])
def test_no_nan_in_object_frames(frame_name: str) -> None:
    rows = normalize_orders(SHOP_ID, [indonesian_order(total_amount=None)])
    frame: pd.DataFrame = getattr(rows, frame_name)
    for value in frame.to_numpy().ravel():
        assert not (isinstance(value, float) and value != value)
