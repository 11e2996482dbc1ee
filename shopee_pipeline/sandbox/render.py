"""Turn world records into the JSON objects Shopee answers with, as of a given simulated time."""

from __future__ import annotations

from . import names
from .model import Booking, Line, Order, OrderBody, Package

CURRENCY = "IDR"
"""Every sandbox shop is an Indonesian one."""
_PRE_PAID = {"UNPAID"}
_DELIVERED = {"TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"}


def _money(value: float) -> float:
    return float(round(value))


def _grams(lines: list[Line]) -> int:
    return round(sum(line.weight * line.quantity for line in lines) * 1000)


def order_status_at(order: Order, now: int) -> tuple[str, int]:
    """``(order_status, update_time)`` as of ``now``; the order must exist (``create_time <= now``)."""
    i = order.timeline.index_at(now)
    return order.timeline.statuses[i], order.timeline.times[i]


def logistics_status(order: Order, now: int) -> str:
    """Package ``logistics_status`` (``LOGISTICS_*``) derived from the order status."""
    status, _ = order_status_at(order, now)
    processed = order.timeline.first_time("PROCESSED", now) > 0
    if status == "CANCELLED":
        return "LOGISTICS_REQUEST_CANCELED" if processed else "LOGISTICS_INVALID"
    return {
        "UNPAID": "LOGISTICS_NOT_START",
        "READY_TO_SHIP": "LOGISTICS_READY",
        "IN_CANCEL": "LOGISTICS_REQUEST_CREATED" if processed else "LOGISTICS_READY",
        "PROCESSED": "LOGISTICS_REQUEST_CREATED",
        "RETRY_SHIP": "LOGISTICS_PICKUP_RETRY",
        "SHIPPED": "LOGISTICS_PICKUP_DONE",
    }.get(status, "LOGISTICS_DELIVERY_DONE")


def tracking_number(order: Order, package: Package, now: int) -> str:
    """Tracking number of a package: known from the moment the order reached PROCESSED, else ``""``."""
    return package.tracking_number if order.timeline.first_time("PROCESSED", now) else ""


def _amounts(body: OrderBody) -> dict[str, int]:
    original = sum(line.original_price * line.quantity for line in body.lines)
    selling = sum(line.unit_price * line.quantity for line in body.lines)
    buyer_shipping = body.estimated_shipping_fee - body.shipping_discount
    buyer_total = max(0, selling - body.voucher_seller - body.voucher_shopee - body.coins) + buyer_shipping
    return {
        "original": original,
        "selling": selling,
        "buyer_shipping": buyer_shipping,
        "buyer_total": buyer_total,
    }


def _item(line: Line) -> dict[str, object]:
    return {
        "item_id": line.item_id,
        "item_name": line.item_name,
        "item_sku": line.item_sku,
        "model_id": line.model_id,
        "model_name": line.model_name,
        "model_sku": line.model_sku,
        "model_quantity_purchased": line.quantity,
        "model_original_price": float(line.original_price),
        "model_discounted_price": 0.0 if line.bundle else float(line.unit_price),
        "wholesale": False,
        "weight": line.weight,
        "add_on_deal": False,
        "main_item": False,
        "add_on_deal_id": 0,
        "promotion_type": line.promotion_type,
        "promotion_id": line.promotion_id,
        "order_item_id": line.order_item_id,
        "line_item_id": line.line_item_id,
        "promotion_group_id": line.promotion_group_id,
        "image_info": {"image_url": line.image_url},
        "product_location_id": "IDZ",
        "is_prescription_item": False,
        "is_b2c_owned_item": False,
        "promotion_list": (
            [{"promotion_type": line.promotion_type, "promotion_id": line.promotion_id}]
            if line.promotion_id
            else []
        ),
        "hot_listing_item": False,
    }


def _quantities(line: Line, status: str, refund_done: bool) -> dict[str, int]:
    qty = line.quantity
    if status == "CANCELLED":
        return {
            "active_qty": 0,
            "cancel_requested_qty": 0,
            "cancelled_qty": qty,
            "return_requested_qty": 0,
            "returned_qty": 0,
        }
    if status == "IN_CANCEL":
        return {
            "active_qty": qty,
            "cancel_requested_qty": qty,
            "cancelled_qty": 0,
            "return_requested_qty": 0,
            "returned_qty": 0,
        }
    if status == "TO_RETURN" or refund_done:
        returned = qty if refund_done else 0
        return {
            "active_qty": qty - returned,
            "cancel_requested_qty": 0,
            "cancelled_qty": 0,
            "return_requested_qty": qty,
            "returned_qty": returned,
        }
    return {
        "active_qty": qty,
        "cancel_requested_qty": 0,
        "cancelled_qty": 0,
        "return_requested_qty": 0,
        "returned_qty": 0,
    }


def _package(order: Order, package: Package, lines: list[Line], now: int) -> dict[str, object]:
    by_id = {line.line_item_id: line for line in lines}
    carrier, channel, _, _ = names.CARRIERS[order.carrier]
    items = [by_id[i] for i in package.line_item_ids if i in by_id]
    return {
        "package_number": package.package_number,
        "logistics_status": logistics_status(order, now),
        "logistics_channel_id": channel,
        "shipping_carrier": carrier,
        "allow_self_design_awb": False,
        "item_list": [
            {
                "item_id": line.item_id,
                "model_id": line.model_id,
                "model_quantity": line.quantity,
                "order_item_id": line.order_item_id,
                "promotion_group_id": line.promotion_group_id,
                "product_location_id": "IDZ",
            }
            for line in items
        ],
        "parcel_chargeable_weight": _grams(items),
        "group_shipment_id": 0,
        "sorting_group": "",
    }


def order_detail(order: Order, body: OrderBody, now: int) -> dict[str, object]:
    """The full ``get_order_detail`` object with every ``response_optional_fields`` field present.

    ``pay_time`` is null until paid (COD orders start at READY_TO_SHIP and are paid at delivery);
    ``total_amount`` is 0 before payment; ``advance_package`` is returned beside the default fields."""
    status, update_time = order_status_at(order, now)
    tl = order.timeline
    ready = tl.first_time("READY_TO_SHIP", now)
    delivered = tl.first_time("TO_CONFIRM_RECEIVE", now)
    shipped = tl.first_time("SHIPPED", now)
    pay_time = (delivered or None) if order.cod else (ready or None)
    amounts = _amounts(body)
    carrier, _, _, _ = names.CARRIERS[order.carrier]
    cancelled = status == "CANCELLED"
    refund_done = order.refund and status == "COMPLETED"
    items = []
    for line in body.lines:
        item = _item(line)
        item.update(_quantities(line, status, refund_done))
        items.append(item)
    cancel_by = {"unpaid": "system", "buyer": "buyer", "seller": "seller"}.get(order.cancel_kind, "")
    cancel_reason = {"unpaid": "Unpaid Order", "buyer": "Buyer Request to Cancel", "seller": "Out of Stock"}
    weight = _grams(body.lines)
    return {
        "order_sn": order.order_sn,
        "region": "ID",
        "currency": CURRENCY,
        "cod": order.cod,
        "order_status": status,
        "message_to_seller": body.message_to_seller,
        "create_time": order.create_time,
        "update_time": update_time,
        "days_to_ship": body.days_to_ship,
        "ship_by_date": (ready + body.days_to_ship * 86400) if ready else 0,
        "booking_sn": order.booking_sn,
        "advance_package": bool(order.booking_sn),
        "buyer_user_id": body.buyer_user_id,
        "buyer_username": body.buyer_username,
        "estimated_shipping_fee": float(body.estimated_shipping_fee),
        "recipient_address": dict(body.recipient),
        "actual_shipping_fee": float(body.estimated_shipping_fee + body.shipping_delta) if delivered else 0.0,
        "actual_shipping_fee_confirmed": bool(delivered),
        "goods_to_declare": False,
        "note": "",
        "note_update_time": 0,
        "item_list": items,
        "pay_time": pay_time,
        "dropshipper": "",
        "dropshipper_phone": "",
        "split_up": len(order.packages) > 1,
        "buyer_cancel_reason": body.buyer_cancel_reason if status in ("IN_CANCEL", "CANCELLED") else "",
        "cancel_by": cancel_by if cancelled else "",
        "cancel_reason": cancel_reason.get(order.cancel_kind, "") if cancelled else "",
        "buyer_cpf_id": "",
        "fulfillment_flag": "fulfilled_by_local_seller",
        "pickup_done_time": shipped,
        "package_list": [_package(order, p, body.lines, now) for p in order.packages],
        "shipping_carrier": carrier,
        "payment_method": body.payment_method,
        "total_amount": 0.0 if status in _PRE_PAID else float(amounts["buyer_total"]),
        "invoice_data": None,
        "order_chargeable_weight_gram": weight,
        "return_request_due_date": (delivered + 15 * 86400) if delivered else 0,
        "edt_from": 0,
        "edt_to": 0,
        "payment_info": [],
        "international_label": "",
    }


def escrow_detail(
    order: Order, body: OrderBody, now: int, return_sns: list[str], refund: int
) -> dict[str, object]:
    """``get_escrow_detail`` payload. ``escrow_amount`` changes with the life cycle:
    estimated until delivery, final shipping fee after it, affiliate fee at completion; exactly 0 for
    cancelled orders. ``return_sns`` are the order's ``ACCEPTED`` returns and ``refund`` their refunds:
    they show as ``return_order_sn_list`` and ``seller_return_refund`` (``-refund``, the sign an
    assumption) and reduce ``escrow_amount`` (docs/shopee-api-notes.md, Returns)."""
    status, _ = order_status_at(order, now)
    a = _amounts(body)
    delivered = order.timeline.first_time("TO_CONFIRM_RECEIVE", now) > 0
    zero = status == "CANCELLED"
    actual = body.estimated_shipping_fee + (body.shipping_delta if delivered else 0)
    commission = _money(a["selling"] * body.commission_rate)
    service = _money(a["selling"] * body.service_rate)
    txn = _money(a["buyer_total"] * 0.018)
    ams = _money(a["selling"] * body.ams_fee_rate) if status == "COMPLETED" else 0.0
    rebate = body.shipping_discount
    escrow = (
        a["selling"]
        - body.voucher_seller
        + a["buyer_shipping"]
        - actual
        + rebate
        - commission
        - service
        - txn
        - ams
        - refund
    )
    if zero:
        commission = service = txn = ams = 0.0
        escrow = 0.0
    items = [
        {
            "item_id": line.item_id,
            "item_name": line.item_name,
            "item_sku": line.item_sku,
            "model_id": line.model_id,
            "model_name": line.model_name,
            "model_sku": line.model_sku,
            "line_item_id": line.line_item_id,
            "original_price": float(line.original_price * line.quantity),
            "selling_price": float(line.unit_price * line.quantity),
            "discounted_price": float(line.unit_price * line.quantity),
            "seller_discount": float((line.original_price - line.unit_price) * line.quantity),
            "shopee_discount": 0.0,
            "discount_from_coin": 0.0,
            "discount_from_voucher_shopee": 0.0,
            "discount_from_voucher_seller": 0.0,
            "activity_type": "bundle_deal" if line.bundle else "",
            "activity_id": line.promotion_id if line.bundle else 0,
            "is_main_item": False,
            "quantity_purchased": line.quantity,
            "is_b2c_shop_item": False,
            "ams_commission_fee": 0.0,
            "is_kit": False,
            "kit_items": [],
            "promotion_list": (
                [{"promotion_type": line.promotion_type, "promotion_id": line.promotion_id}]
                if line.promotion_id
                else []
            ),
        }
        for line in body.lines
    ]
    income: dict[str, object] = {
        "escrow_amount": float(escrow),
        "buyer_total_amount": float(a["buyer_total"]),
        "order_original_price": float(a["original"]),
        "original_price": float(a["original"]),
        "order_discounted_price": float(a["selling"]),
        "order_selling_price": float(a["selling"]),
        "order_seller_discount": float(a["original"] - a["selling"]),
        "seller_discount": float(a["original"] - a["selling"]),
        "shopee_discount": 0.0,
        "voucher_from_seller": float(body.voucher_seller),
        "voucher_from_shopee": float(body.voucher_shopee),
        "voucher_from_external_party": 0.0,
        "coins": float(body.coins),
        "buyer_paid_shipping_fee": float(a["buyer_shipping"]),
        "buyer_transaction_fee": 0.0,
        "cross_border_tax": 0.0,
        "payment_promotion": 0.0,
        "commission_fee": commission,
        "service_fee": service,
        "seller_transaction_fee": txn,
        "seller_lost_compensation": 0.0,
        "seller_coin_cash_back": 0.0,
        "escrow_tax": 0.0,
        "estimated_shipping_fee": float(body.estimated_shipping_fee),
        "final_shipping_fee": float(a["buyer_shipping"] + rebate - actual),
        "actual_shipping_fee": float(actual),
        "shipping_fee_sst": 0.0,
        "order_chargeable_weight": _grams(body.lines),
        "shopee_shipping_rebate": float(rebate),
        "shipping_fee_discount_from_3pl": 0.0,
        "seller_shipping_discount": 0.0,
        "seller_voucher_code": ["HEMAT10"] if body.voucher_seller else [],
        "drc_adjustable_refund": 0.0,
        "cost_of_goods_sold": float(a["selling"]),
        "original_cost_of_goods_sold": float(a["selling"]),
        "original_shopee_discount": 0.0,
        "seller_return_refund": float(-refund),
        "reverse_shipping_fee": 0.0,
        "final_product_protection": 0.0,
        "credit_card_promotion": 0.0,
        "credit_card_transaction_fee": 0.0,
        "final_product_vat_tax": 0.0,
        "final_shipping_vat_tax": 0.0,
        "campaign_fee": 0.0,
        "sip_subsidy": 0.0,
        "order_ams_commission_fee": ams,
        "buyer_payment_method": body.payment_method,
        "instalment_plan": "",
        "withholding_tax": 0.0,
        "total_adjustment_amount": 0.0,
        "escrow_amount_after_adjustment": float(escrow),
        "seller_order_processing_fee": 0.0,
        "buyer_paid_packaging_fee": 0.0,
        "trade_in_bonus_by_seller": 0.0,
        "fbs_fee": 0.0,
        "items": items,
    }
    return {
        "order_sn": order.order_sn,
        "buyer_user_name": body.buyer_username,
        "return_order_sn_list": list(return_sns),
        "order_income": income,
        "buyer_payment_info": {
            "buyer_payment_method": body.payment_method,
            "buyer_service_fee": 0.0,
            "buyer_tax_amount": 0.0,
            "buyer_total_amount": float(a["buyer_total"]),
            "credit_card_promotion": 0.0,
            "icms_tax_amount": 0.0,
            "import_tax_amount": 0.0,
            "initial_buyer_txn_fee": 0.0,
            "insurance_premium": 0.0,
            "iof_tax_amount": 0.0,
            "is_paid_by_credit_card": body.payment_method == "Credit Card",
            "merchant_subtotal": float(a["selling"]),
            "seller_voucher": float(body.voucher_seller),
            "shipping_fee": float(a["buyer_shipping"]),
            "shipping_fee_sst_amount": 0.0,
            "shopee_voucher": float(body.voucher_shopee),
            "shopee_coins_redeemed": float(body.coins),
        },
    }


def package_detail(order: Order, body: OrderBody, package: Package, now: int) -> dict[str, object]:
    """One entry of ``get_package_detail``."""
    shaped = _package(order, package, body.lines, now)
    detail = order_detail(order, body, now)
    return {
        "order_sn": order.order_sn,
        "package_number": package.package_number,
        "fulfillment_status": shaped["logistics_status"],
        "update_time": detail["update_time"],
        "logistics_channel_id": shaped["logistics_channel_id"],
        "shipping_carrier": shaped["shipping_carrier"],
        "ship_by_date": detail["ship_by_date"],
        "tracking_number": tracking_number(order, package, now),
        "pickup_done_time": detail["pickup_done_time"],
        "item_list": shaped["item_list"],
        "recipient_address": detail["recipient_address"],
    }


def booking_detail(booking: Booking, lines: list[Line], now: int) -> dict[str, object]:
    """The full ``get_booking_detail`` object with every optional field present."""
    i = booking.timeline.index_at(now)
    status, update_time = booking.timeline.statuses[i], booking.timeline.times[i]
    match = {"MATCHED": "MATCH_SUCCESSFUL", "CANCELLED": "MATCH_FAILED"}.get(status, "MATCH_PENDING")
    carrier, _, _, _ = names.CARRIERS[booking.carrier]
    return {
        "booking_sn": booking.booking_sn,
        "region": "ID",
        "booking_status": status,
        "create_time": booking.create_time,
        "update_time": update_time,
        "ship_by_date": booking.create_time + 2 * 86400,
        "order_sn": booking.order_sn if status == "MATCHED" else "",
        "match_status": match,
        "shipping_carrier": carrier,
        "recipient_address": {
            "name": "G******g",
            "phone": "******00",
            "town": "CIBITUNG",
            "district": "CIKARANG BARAT",
            "city": "KABUPATEN BEKASI",
            "state": "JAWA BARAT",
            "region": "ID",
            "zipcode": "17530",
            "full_address": "****",
        },
        "item_list": [
            {
                "item_id": line.item_id,
                "item_name": line.item_name,
                "item_sku": line.item_sku,
                "model_id": line.model_id,
                "model_name": line.model_name,
                "model_sku": line.model_sku,
                "model_quantity_purchased": line.quantity,
                "weight": line.weight,
                "product_location_id": "IDZ",
                "image_info": {"image_url": line.image_url},
            }
            for line in lines
        ],
        "dropshipper": "",
        "dropshipper_phone": "",
        "cancel_by": "seller" if status == "CANCELLED" else "",
        "cancel_reason": "Seller cancelled the booking" if status == "CANCELLED" else "",
        "fulfillment_flag": "fulfilled_by_local_seller",
        "pickup_done_time": booking.timeline.first_time("SHIPPED", now),
    }
