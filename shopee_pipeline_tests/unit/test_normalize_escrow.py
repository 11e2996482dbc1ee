"""normalize_escrow: escrow_detail objects -> escrow, escrow_items frames."""

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shopee_pipeline.normalize.escrow import escrow_parents, normalize_escrow
from shopee_pipeline.normalize.records import TableRows
from shopee_pipeline.warehouse import tables

SHOP_ID = 226150001
UPDATED = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
TIMES = {"260101ABCD1234": UPDATED}


def _columns(table: Any) -> list[str]:
    return [c.name for c in table.columns if c.name != "synced_at"]


def escrow_detail(**income: Any) -> dict[str, Any]:
    order_income = {
        "escrow_amount": 151470.0,
        "buyer_total_amount": 189000.0,
        "order_original_price": 224000.0,
        "original_price": 224000.0,
        "order_discounted_price": 174000.0,
        "order_selling_price": 174000.0,
        "order_seller_discount": 50000.0,
        "seller_discount": 50000.0,
        "shopee_discount": 0,
        "voucher_from_seller": 0,
        "voucher_from_shopee": 0,
        "coins": 0,
        "buyer_paid_shipping_fee": 15000.0,
        "buyer_transaction_fee": 0,
        "commission_fee": 13920.0,
        "service_fee": 6960.0,
        "seller_transaction_fee": 1650.0,
        "campaign_fee": 0,
        "order_ams_commission_fee": 0,
        "estimated_shipping_fee": 15000.0,
        "final_shipping_fee": 0,
        "actual_shipping_fee": 15000.0,
        "shopee_shipping_rebate": 0,
        "seller_return_refund": 0,
        "reverse_shipping_fee": 0,
        "escrow_tax": 0,
        "total_adjustment_amount": 0,
        "escrow_amount_after_adjustment": 151470.0,
        "buyer_payment_method": "ShopeePay",
        "seller_voucher_code": [],
        "items": [
            {
                "item_id": 23456789012,
                "item_name": "Kopi Gayo Arabika 250g",
                "item_sku": "KOPI-GAYO-250",
                "model_id": 0,
                "model_name": "",
                "model_sku": "",
                "line_item_id": 5550001,
                "original_price": 130000.0,
                "selling_price": 130000.0,
                "discounted_price": 100000.0,
                "seller_discount": 30000.0,
                "shopee_discount": 0,
                "discount_from_coin": 0,
                "discount_from_voucher_shopee": 0,
                "discount_from_voucher_seller": 0,
                "activity_type": "bundle_deal",
                "activity_id": 18446744073709551000,
                "is_main_item": False,
                "quantity_purchased": 2,
                "ams_commission_fee": 0,
            },
            {
                "item_id": 23456789099,
                "item_name": "Tumbler Stainless 500ml",
                "model_id": 445566,
                "line_item_id": 5550003,
                "original_price": 59000.0,
                "selling_price": 54000.0,
                "discounted_price": 54000.0,
                "activity_type": "",
                "activity_id": 0,
                "quantity_purchased": 1,
            },
        ],
    }
    order_income.update(income)
    return {
        "order_sn": "260101ABCD1234",
        "buyer_user_name": "budi_santoso",
        "return_order_sn_list": [],
        "order_income": order_income,
        "buyer_payment_info": {"buyer_payment_method": "ShopeePay", "buyer_total_amount": 189000.0},
    }


def test_escrow_row_and_items() -> None:
    detail = escrow_detail()
    rows = normalize_escrow(SHOP_ID, [detail], TIMES)
    assert isinstance(rows, TableRows)
    assert rows.skipped == []
    row = rows.escrow.iloc[0].to_dict()
    assert row["order_sn"] == "260101ABCD1234"
    assert row["shop_id"] == SHOP_ID
    assert row["order_update_time"] == UPDATED
    assert row["buyer_user_name"] == "budi_santoso"
    assert row["escrow_amount"] == Decimal("151470.0")
    assert row["commission_fee"] == Decimal("13920.0")
    assert row["buyer_payment_method"] == "ShopeePay"
    assert row["return_order_sn_list"] == []
    assert row["buyer_payment_info"]["buyer_total_amount"] == 189000.0
    assert row["raw"] == detail
    items = rows.escrow_items
    assert items["line_index"].tolist() == [0, 1]
    assert items.iloc[0]["activity_id"] == 18446744073709551000 and type(items.iloc[0]["activity_id"]) is int
    assert items.iloc[0]["discounted_price"] == Decimal("100000.0")
    assert items.iloc[0]["quantity_purchased"] == 2
    assert items.iloc[0]["is_main_item"] is False
    assert items.iloc[1]["item_sku"] is None  # missing optional field
    assert set(items["order_update_time"]) == {UPDATED}
    assert escrow_parents(rows.escrow) == [("260101ABCD1234", UPDATED)]
    assert rows.escrow.columns.tolist() == _columns(tables.escrow)
    assert rows.escrow_items.columns.tolist() == _columns(tables.escrow_items)


def test_escrow_of_zero_stays_zero() -> None:
    rows = normalize_escrow(
        SHOP_ID, [escrow_detail(escrow_amount=0, escrow_amount_after_adjustment=0.0)], TIMES
    )
    row = rows.escrow.iloc[0]
    assert row["escrow_amount"] == Decimal("0") and row["escrow_amount"] is not None
    assert isinstance(row["escrow_amount"], Decimal)
    assert row["escrow_amount_after_adjustment"] == Decimal("0")
    assert row["shopee_discount"] == Decimal("0")


def test_escrow_without_known_order_or_income_is_skipped() -> None:
    other = escrow_detail()
    other["order_sn"] = "UNKNOWN1"
    no_income = escrow_detail()
    no_income["order_income"] = None
    rows = normalize_escrow(SHOP_ID, [other, no_income, None, {"order_sn": ""}], TIMES)
    assert rows.escrow.empty and rows.escrow_items.empty
    assert len(rows.skipped) == 4
    assert any("UNKNOWN1" in reason for reason in rows.skipped)


def test_batch_wrapper_is_accepted() -> None:
    rows = normalize_escrow(SHOP_ID, [{"escrow_detail": escrow_detail()}], TIMES)
    assert rows.escrow["order_sn"].tolist() == ["260101ABCD1234"]


def test_wrong_types_and_nulls_become_none() -> None:
    detail = escrow_detail(commission_fee="abc", service_fee=None, buyer_payment_method={"x": 1})
    detail["buyer_user_name"] = ["not", "a", "name"]
    detail["return_order_sn_list"] = "2601RET"
    detail["order_income"]["items"][0].update(activity_id="-", quantity_purchased="two", is_main_item="?")
    rows = normalize_escrow(SHOP_ID, [detail], TIMES)
    row = rows.escrow.iloc[0]
    assert row["commission_fee"] is None and row["service_fee"] is None
    assert row["buyer_payment_method"] == "ShopeePay"  # falls back to buyer_payment_info
    assert row["buyer_user_name"] is None
    assert row["return_order_sn_list"] is None
    item = rows.escrow_items.iloc[0]
    assert item["activity_id"] is None and item["quantity_purchased"] is None and item["is_main_item"] is None


def test_duplicate_keeps_last_and_zero_rows_have_columns() -> None:
    first, second = escrow_detail(escrow_amount=1), escrow_detail(escrow_amount=2)
    rows = normalize_escrow(SHOP_ID, [first, second], TIMES)
    assert rows.escrow["escrow_amount"].tolist() == [Decimal("2")]
    empty = normalize_escrow(SHOP_ID, [], {})
    assert empty.escrow.columns.tolist() == _columns(tables.escrow)
    assert empty.escrow_items.columns.tolist() == _columns(tables.escrow_items)
    assert escrow_parents(empty.escrow) == []


def test_require_items_and_no_mutation() -> None:
    detail = escrow_detail()
    del detail["order_income"]["items"]
    snapshot = copy.deepcopy(detail)
    rows = normalize_escrow(SHOP_ID, [detail], TIMES)
    assert escrow_parents(rows.escrow, require_items=True) == []
    assert escrow_parents(rows.escrow) == [("260101ABCD1234", UPDATED)]
    assert detail == snapshot
