"""The returns declaration's normaliser: Shopee's own get_return_list and get_return_detail samples ->
returns, return_items frames, field for field; the detail's nested statuses, the compensation spelling, and
bad entries."""

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from shopee_pipeline.sync.streams import RETURNS
from shopee_pipeline.warehouse import tables

SHOP_ID = 226150001
FIXTURES = Path(__file__).parent.parent / "fixtures" / "returns"


def sample(name: str) -> dict[str, Any]:
    """The `response` of an official sample (the fixtures are verbatim copies of Shopee's docs)."""
    return json.loads((FIXTURES / f"{name}.json").read_text())["response"]


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _row(frame: pd.DataFrame, index: int = 0) -> dict[str, Any]:
    return frame.iloc[index].to_dict()


def test_frames_have_exactly_the_table_columns() -> None:
    rows = RETURNS.normaliser.normalize(SHOP_ID, sample("get_return_list")["return"])
    for frame, table in ((rows.returns, tables.returns), (rows.return_items, tables.return_items)):
        assert list(frame.columns) == [c.name for c in table.columns if c.name != "synced_at"]


def test_the_list_sample_lands_field_for_field() -> None:
    entry = sample("get_return_list")["return"][0]
    rows = RETURNS.normaliser.normalize(SHOP_ID, [entry])
    row = _row(rows.returns)
    assert row["return_sn"] == "200203171852695" and row["order_sn"] == "200203C6W0AR27"
    assert row["shop_id"] == SHOP_ID
    assert (row["status"], row["reason"], row["text_reason"]) == (
        "CANCELLED",
        "PHYSICAL_DMG",
        "return reason",
    )
    assert row["refund_amount"] == Decimal("1409") and row["amount_before_discount"] == Decimal("1409")
    assert row["currency"] == "SGD"
    assert row["create_time"] == _utc(1580721513) and row["update_time"] == _utc(1580729377)
    assert row["due_date"] == _utc(1580721513)
    assert row["return_ship_due_date"] == row["return_seller_due_date"] == _utc(1655438336)
    assert row["tracking_number"] == "RNSHS00177569" and row["needs_logistics"] is True
    assert row["negotiation_status"] == "PENDING_RESPOND" and row["seller_proof_status"] == "PENDING"
    assert row["seller_compensation_status"] == "PENDING_REQUEST"
    assert (row["return_refund_type"], row["return_solution"], row["return_refund_request_type"]) == (
        "RRAOC",
        0,
        0,
    )
    assert row["validation_type"] == "seller_validation" and row["is_arrived_at_warehouse"] == 3
    assert row["reassessed_request_reason"] is None  # absent from the sample
    assert row["raw"]["user"]["email"] == "***********r1@shopee.com"
    item = _row(rows.return_items)
    assert (item["return_sn"], item["line_index"], item["shop_id"]) == ("200203171852695", 0, SHOP_ID)
    assert (item["item_id"], item["model_id"], item["amount"]) == (2147533133, 0, 1)
    assert item["item_price"] == Decimal("1409.9") and item["name"] == "agsabdmnambd"
    assert (item["item_sku"], item["variation_sku"]) == ("USB", "RED")
    assert (item["is_add_on_deal"], item["is_main_item"], item["add_on_deal_id"]) == (False, False, 0)
    assert item["update_time"] == row["update_time"]


def test_the_detail_sample_reads_its_nested_statuses() -> None:
    rows = RETURNS.normaliser.normalize(SHOP_ID, [sample("get_return_detail")])
    row = _row(rows.returns)
    assert row["return_sn"] == "2206140TA5PM808" and row["status"] == "ACCEPTED"
    assert row["negotiation_status"] == "PENDING_RESPOND"
    assert row["seller_proof_status"] == "PENDING"
    assert row["seller_compensation_status"] == "PENDING_REQUEST"
    assert row["refund_amount"] == Decimal("13.97")
    item = _row(rows.return_items)
    assert (item["item_id"], item["model_id"], item["amount"], item["item_price"]) == (
        2700126223,
        2001586745,
        1,
        Decimal("10"),
    )
    assert RETURNS.normaliser.parents(rows)["return_items"] == [("2206140TA5PM808", row["update_time"])]


def test_the_prefixed_compensation_spelling_is_stored_unprefixed() -> None:
    detail = copy.deepcopy(sample("get_return_detail"))
    detail["seller_compensation"]["seller_compensation_status"] = "COMPENSATION_REQUESTED"
    listed = copy.deepcopy(sample("get_return_list")["return"][0])
    listed["seller_compensation_status"] = "COMPENSATION_NOT_REQUIRED"
    rows = RETURNS.normaliser.normalize(SHOP_ID, [detail, listed])
    assert list(rows.returns["seller_compensation_status"]) == ["REQUESTED", "NOT_REQUIRED"]


def test_a_duplicate_keeps_the_newest_and_bad_entries_are_skipped_with_a_reason() -> None:
    older = copy.deepcopy(sample("get_return_list")["return"][0])
    newer = {**copy.deepcopy(older), "update_time": older["update_time"] + 60, "status": "ACCEPTED"}
    no_order = {**copy.deepcopy(older), "return_sn": "R2", "order_sn": ""}
    bad_items = {**copy.deepcopy(older), "return_sn": "R3", "item": "nope"}
    rows = RETURNS.normaliser.normalize(SHOP_ID, [older, newer, no_order, bad_items, "junk"])
    assert sorted(rows.returns["return_sn"]) == ["200203171852695", "R3"]
    assert _row(rows.returns)["status"] == "ACCEPTED"
    assert len(rows.return_items) == 1  # R3's lines are skipped, its row kept
    assert RETURNS.normaliser.parents(rows)["return_items"] == [
        ("200203171852695", _utc(older["update_time"] + 60))
    ]
    reasons = " | ".join(rows.skipped)
    assert "R2: missing or unusable order_sn" in reasons and "R3: item is not a list" in reasons
    assert "#4: not an object" in reasons
