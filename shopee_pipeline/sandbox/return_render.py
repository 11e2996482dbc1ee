"""Turn return records into the objects ``get_return_list`` / ``get_return_detail`` answer with and the
``data`` of push 29, as of a given simulated time and in the configured spellings."""

from __future__ import annotations

from typing import Any

from . import names
from .config import SandboxConfig
from .model import ReturnRequest, ReturnStep
from .render import CURRENCY

DAY = 86400
FLAT_STATUSES = ("negotiation_status", "seller_proof_status", "seller_compensation_status")
"""The list's flat status fields; the detail nests them (``negotiation``, ``seller_proof``,
``seller_compensation``)."""
_PUSH_KEYS_LEFT_OUT: dict[str, tuple[str, ...]] = {
    "full": (),
    "return_sn_only": ("order_sn",),
    "order_sn_only": ("return_sn",),
    "no_keys": ("return_sn", "order_sn"),
}


def compensation_status(step: ReturnStep, config: SandboxConfig) -> str:
    """``seller_compensation_status`` in the configured spelling (``COMPENSATION_*`` or unprefixed)."""
    status = step.seller_compensation_status
    return f"COMPENSATION_{status}" if config.return_compensation_prefixed else status


def _item(ret: ReturnRequest, index: int, detail: bool) -> dict[str, Any]:
    item = ret.items[index]
    line = item.line
    shaped: dict[str, Any] = {
        "item_id": line.item_id,
        "model_id": line.model_id,
        "name": line.item_name,
        "images": [line.image_url],
        "amount": item.amount,
        "item_price": float(line.unit_price),
        "is_add_on_deal": False,
        "is_main_item": False,
        "add_on_deal_id": 0,
        "item_sku": line.item_sku,
        "variation_sku": line.model_sku,
    }
    if detail:
        shaped["refund_amount"] = float(item.refund_amount)
    return shaped


def _price(value: int) -> str:
    return f"{value:.2f}"


def _activities(ret: ReturnRequest) -> list[dict[str, Any]]:
    """One ``BUNDLE`` activity per bundle deal among the returned lines (prices as strings)."""
    bundles: dict[int, list[int]] = {}
    for index, item in enumerate(ret.items):
        if item.line.bundle:
            bundles.setdefault(item.line.promotion_id, []).append(index)
    activities = []
    for activity_id, indexes in bundles.items():
        items = [ret.items[i] for i in indexes]
        activities.append(
            {
                "activity_id": activity_id,
                "activity_type": "BUNDLE",
                "original_price": _price(sum(i.line.original_price * i.line.quantity for i in items)),
                "discounted_price": _price(sum(i.line.unit_price * i.line.quantity for i in items)),
                "items": [
                    {
                        "item_id": i.line.item_id,
                        "variation_id": i.line.model_id,
                        "quantity_purchased": i.line.quantity,
                        "original_price": _price(i.line.original_price),
                    }
                    for i in items
                ],
                "refund_amount": _price(sum(i.refund_amount for i in items)),
            }
        )
    return activities


def return_entry(ret: ReturnRequest, step: ReturnStep, config: SandboxConfig) -> dict[str, Any]:
    """One element of ``get_return_list``'s ``return``: the full object with the flat statuses."""
    now = step.time
    disputed = ret.first_time("SELLER_DISPUTE", now) > 0
    shipped = step.reverse_logistics_status not in ("", "LOGISTICS_PENDING_ARRANGE")
    ship_due = ret.create_time + 7 * DAY if ret.needs_logistics else 0
    return {
        "image": list(ret.images),
        "reason": ret.reason,
        "reassessed_request_reason": step.reassessed_request_reason,
        "text_reason": ret.text_reason,
        "return_sn": ret.return_sn,
        "refund_amount": float(ret.refund_amount),
        "currency": CURRENCY,
        "create_time": ret.create_time,
        "update_time": step.time,
        "status": step.status,
        "due_date": ret.create_time + 3 * DAY,
        "tracking_number": ret.tracking_number if shipped else "",
        "dispute_reason": ["OTHER"] if disputed else [],
        "dispute_text_reason": [names.DISPUTE_TEXT] if disputed else [],
        "needs_logistics": ret.needs_logistics,
        "amount_before_discount": float(sum(i.line.original_price * i.amount for i in ret.items)),
        "user": {
            "username": ret.buyer_username,
            "email": f"********{ret.buyer_username[-2:]}@gmail.com",
            "portrait": "",
        },
        "item": [_item(ret, i, detail=False) for i in range(len(ret.items))],
        "order_sn": ret.order_sn,
        "return_ship_due_date": ship_due,
        "return_seller_due_date": ship_due + 3 * DAY if ship_due else 0,
        "negotiation_status": step.negotiation_status,
        "seller_proof_status": step.seller_proof_status,
        "seller_compensation_status": compensation_status(step, config),
        "return_refund_type": ret.refund_type,
        "return_solution": 0 if ret.needs_logistics else 1,
        "is_seller_arrange": False,
        "is_shipping_proof_mandatory": False,
        "return_refund_request_type": 0,
        "validation_type": "seller_validation",
        "is_arrived_at_warehouse": 0,
        "follow_up_action_list": [],
    }


def _spelled(config: SandboxConfig, stem: str, value: str) -> dict[str, str]:
    """``reverse_logistics_<stem>`` and/or ``reverse_logistic_<stem>``, as configured."""
    spelling = config.return_reverse_logistics_spelling
    keys = ("reverse_logistics", "reverse_logistic") if spelling == "both" else (spelling.rsplit("_", 1)[0],)
    return {f"{key}_{stem}": value for key in keys}


def return_detail(ret: ReturnRequest, step: ReturnStep, config: SandboxConfig) -> dict[str, Any]:
    """The ``get_return_detail`` object: the list's fields without the flat statuses, plus the nested
    ``negotiation``, ``seller_proof``, ``seller_compensation``, per-item ``refund_amount``,
    ``activity``, reverse logistics and addresses."""
    detail = {k: v for k, v in return_entry(ret, step, config).items() if k not in FLAT_STATUSES}
    now = step.time
    disputed_at = ret.first_time("SELLER_DISPUTE", now)
    compensating = step.seller_compensation_status != "NOT_APPLICABLE"
    compensation_from = ret.first_time("ACCEPTED", now) if compensating else 0
    detail.update(
        {
            "buyer_videos": [],
            "item": [_item(ret, i, detail=True) for i in range(len(ret.items))],
            "activity": _activities(ret),
            "seller_proof": {
                "seller_proof_status": step.seller_proof_status,
                "seller_evidence_deadline": disputed_at + 2 * DAY if disputed_at else 0,
            },
            "seller_compensation": {
                "seller_compensation_status": compensation_status(step, config),
                "seller_compensation_due_date": compensation_from + 14 * DAY if compensation_from else 0,
                "compensation_amount": float(step.compensation_amount),
                "compensation_amount_list": [],
            },
            "negotiation": {
                "negotiation_status": step.negotiation_status,
                "latest_solution": "RETURN_REFUND" if ret.needs_logistics else "REFUND",
                "latest_offer_amount": float(ret.refund_amount),
                "latest_offer_creator": ret.buyer_username,
                "counter_limit": 1 if step.negotiation_status == "PENDING_RESPOND" else 0,
                "offer_due_date": detail["due_date"] if step.negotiation_status == "PENDING_RESPOND" else 0,
            },
            "logistics_status": step.reverse_logistics_status,
            **_spelled(config, "status", step.reverse_logistics_status),
            "return_pickup_address": dict(ret.pickup_address),
            "virtual_contact_number": "",
            "package_query_number": "",
            "return_address": {"whs_id": ""},
            "has_uploaded_shipping_proof": False,
            "is_reverse_logistics_channel_integrated": ret.needs_logistics,
            **_spelled(config, "channel_name", ret.channel_name),
        }
    )
    return detail


def push_data(ret: ReturnRequest, step: ReturnStep, shape: str) -> dict[str, Any]:
    """The ``data`` of the push 29 sent for ``step``, in the ``SandboxConfig.return_push_data_shape``
    ``shape``; ``updated_values`` names the fields that changed."""
    data: dict[str, Any] = {
        "return_sn": ret.return_sn,
        "order_sn": ret.order_sn,
        "update_time": step.time,
        "updated_values": list(step.changed),
    }
    for key in _PUSH_KEYS_LEFT_OUT[shape]:
        del data[key]
    return data
