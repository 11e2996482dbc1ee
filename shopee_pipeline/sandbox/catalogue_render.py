"""How a product of the catalogue reads in ``get_item_list``, ``get_item_base_info``, ``get_model_list`` and
in pushes 22 and 16, as of a moment, with the configured answers to what Shopee leaves unconfirmed."""

from __future__ import annotations

from typing import Any

from .catalogue import LiveItem
from .config import SandboxConfig
from .model import CatalogModel

CURRENCY = "IDR"


def list_entry(live: LiveItem, update_time: int, now: int) -> dict[str, Any]:
    """A ``get_item_list`` entry."""
    return {
        "item_id": live.item.item_id,
        "item_status": live.status_at(now),
        "update_time": update_time,
        "tag": {"kit": False},
    }


def _price_info(live: LiveItem, model: CatalogModel, now: int) -> list[dict[str, Any]]:
    current = live.current_price(model, now)
    return [
        {
            "currency": CURRENCY,
            "original_price": model.price,
            "current_price": current,
            "inflated_price_of_original_price": model.price,
            "inflated_price_of_current_price": current,
        }
    ]


def _stock_info(stock: int) -> dict[str, Any]:
    return {
        "summary_info": {"total_reserved_stock": 0, "total_available_stock": stock},
        "seller_stock": [{"location_id": "IDZ", "stock": stock, "if_saleable": True}],
        "shopee_stock": [],
    }


def base_info(live: LiveItem, update_time: int, now: int, config: SandboxConfig) -> dict[str, Any]:
    """A ``get_item_base_info`` object: ``price_info`` only without variations; the item-level stock of a
    product with variations is their sum or absent (``catalog_item_stock_with_models``)."""
    item = live.item
    detail: dict[str, Any] = {
        "item_id": item.item_id,
        "category_id": live.category_id,
        "item_name": item.item_name,
        "item_sku": item.item_sku,
        "item_status": live.status_at(now),
        "create_time": live.create_time,
        "update_time": update_time,
        "has_model": live.has_model,
        "has_promotion": any(live.current_price(m, now) != m.price for m in item.models),
        "brand": {"brand_id": live.brand_id, "original_brand_name": live.brand_name},
        "weight": f"{item.weight:.2f}",
        "dimension": {"package_length": 20, "package_width": 15, "package_height": 5},
        "image": {"image_url_list": [item.image_url], "image_id_list": [item.image_url.rsplit("/", 1)[-1]]},
        "pre_order": {"is_pre_order": False, "days_to_ship": 2},
        "condition": "NEW",
        "deboost": "false",
        "tag": {"kit": False},
    }
    stock = sum(live.stock(model, now) for model in item.models)
    if not live.has_model:
        detail["price_info"] = _price_info(live, item.models[0], now)
        detail["stock_info_v2"] = _stock_info(stock)
    elif config.catalog_item_stock_with_models == "sum":
        detail["stock_info_v2"] = _stock_info(stock)
    return detail


def model_list(live: LiveItem, now: int, config: SandboxConfig) -> dict[str, Any]:
    """The ``get_model_list`` answer: one tier of variations with its options; for a product without
    variations an empty list or one model 0 (``catalog_model_list_without_variants``)."""
    item = live.item
    if not live.has_model and config.catalog_model_list_without_variants == "empty":
        return {"tier_variation": [], "model": [], "standardise_tier_variation": []}
    options = [model.model_name for model in item.models]
    models = [
        {
            "model_id": model.model_id,
            "tier_index": [index],
            "model_sku": model.model_sku or item.item_sku,
            "model_status": "MODEL_NORMAL",
            "price_info": _price_info(live, model, now),
            "stock_info_v2": _stock_info(live.stock(model, now)),
            "promotion_id": 0,
            "has_promotion": live.current_price(model, now) != model.price,
            "pre_order": {"is_pre_order": False, "days_to_ship": 2},
            "gtin_code": "",
            "weight": f"{item.weight:.2f}",
        }
        for index, model in enumerate(item.models)
    ]
    tiers = [{"name": "Variasi", "option_list": [{"option": o, "image": {}} for o in options]}]
    return {
        "tier_variation": tiers if live.has_model else [],
        "model": models,
        "standardise_tier_variation": [],
    }


def push_data(live: LiveItem, code: int, time: int) -> dict[str, Any]:
    """The ``data`` of push 22 (the price change at ``time``) or 16 (the product banned at ``time``)."""
    if code == 16:
        return {
            "item_id": live.item.item_id,
            "item_name": live.item.item_name,
            "item_status": live.status_at(time),
            "deboost": False,
            "item_status_details": [{"violation_type": "Prohibited", "update_time": time}],
        }
    change = next(c for c in live.changes if c.time == time and c.kind == "price")
    model = next(m for m in live.item.models if m.model_id == change.model_id)
    return {
        "item_id": live.item.item_id,
        "model_id": change.model_id,
        "update_field": "current_price",
        "old_value": live.current_price(model, time - 1),
        "new_value": change.value,
        "update_time": time,
    }
