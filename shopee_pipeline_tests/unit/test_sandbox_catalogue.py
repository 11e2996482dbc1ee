"""The sandbox's catalogue: order lines name its products, stock falls with sales and comes back with
restocks, prices move, products are unlisted, banned and deleted; the three product endpoints with their
configurable unconfirmed answers; orders unchanged by the catalogue's presence."""

from __future__ import annotations

import pytest

from shopee_pipeline.sandbox.api import Services, item_base_info, item_list, model_list
from shopee_pipeline.sandbox.clock import SimClock
from shopee_pipeline.sandbox.config import SandboxConfig
from shopee_pipeline.sandbox.gateway import ApiError, ApiRequest
from shopee_pipeline.sandbox.pushes import LostPushStore
from shopee_pipeline.sandbox.tokens import TokenStore
from shopee_pipeline.sandbox.world import World

START = 1764028800  # 2025-11-25 00:00 UTC
DAY = 86400
STATUSES = ["NORMAL", "UNLIST", "BANNED", "REVIEWING", "SELLER_DELETE", "SHOPEE_DELETE"]


def make_world(**overrides: object) -> World:
    settings: dict[str, object] = {"shops": 1, "seed": 5, "orders_per_shop_per_day": 60, "history_days": 6}
    settings.update(overrides)
    return World(SandboxConfig(start_time=START, **settings), SimClock(START))  # type: ignore[arg-type]


def services(world: World) -> Services:
    return Services(world.config, world, TokenStore(3600, 3600, 600), LostPushStore("envelope_text"))


def request(world: World, path: str, query: dict[str, str], repeated: dict | None = None) -> ApiRequest:
    return ApiRequest("GET", path, query, b"", world.shop_ids[0], repeated=repeated or {})


@pytest.fixture(scope="module")
def world() -> World:
    return make_world(catalog_items=200)


def test_order_lines_name_products_and_variations_of_the_catalogue(world: World) -> None:
    shop = world.shop_ids[0]
    models = {(p["item_id"], m["model_id"]) for p in world.catalogue_now(shop) for m in p["models"]}
    keys, _ = world.list_keys(shop, "create_time", 0, world.now(), limit=10**6)
    lines = [line for _, sn, _ in keys for line in world.order_detail(shop, sn)["item_list"]]
    assert lines and {(line["item_id"], line["model_id"]) for line in lines} <= models


def test_the_catalogue_leaves_orders_as_they_were() -> None:
    """Orders, lines and pushes are drawn from their own seeds: a catalogue of any size changes none."""
    small, large = make_world(), make_world(catalog_items=300)
    shop = small.shop_ids[0]
    keys, _ = small.list_keys(shop, "create_time", 0, small.now(), limit=10**6)
    assert keys == large.list_keys(shop, "create_time", 0, large.now(), limit=10**6)[0]
    assert all(small.order_detail(shop, sn) == large.order_detail(shop, sn) for _, sn, _ in keys)


def test_stock_falls_with_sales_and_restocks_bring_it_back() -> None:
    world = make_world()
    shop = world.shop_ids[0]
    before = {
        (p["item_id"], m["model_id"]): m["stock"] for p in world.catalogue_now(shop) for m in p["models"]
    }
    world.clock.advance(3 * DAY)
    after = {
        (p["item_id"], m["model_id"]): m["stock"] for p in world.catalogue_now(shop) for m in p["models"]
    }
    assert any(after[k] < before[k] for k in before) and any(after[k] > before[k] for k in before)
    live = world.items.records(shop)[0]
    sold = [(t, q) for sales in live.sales.values() for t, q in sales]
    assert sold, "the first product is sold by some order"


def test_prices_statuses_and_deletions_move(world: World) -> None:
    shop = world.shop_ids[0]
    products = world.catalogue_now(shop)
    assert any(m["current_price"] < m["original_price"] for p in products for m in p["models"])
    statuses = {p["item_status"] for p in products}
    assert "NORMAL" in statuses and len(statuses) >= 2


def test_item_list_pages_by_offset_and_needs_a_status(world: World) -> None:
    svc = services(world)
    path = "/api/v2/product/get_item_list"
    seen, offset = [], 0
    while True:
        query = {"offset": str(offset), "page_size": "30", "item_status": "NORMAL"}
        answer = item_list(svc, request(world, path, query, {"item_status": STATUSES})).payload
        assert isinstance(answer, dict)
        seen += [entry["item_id"] for entry in answer["item"]]
        if not answer["has_next_page"]:
            break
        offset = answer["next_offset"]
    assert len(seen) == len(set(seen)) == answer["total_count"] == len(world.catalogue_now(world.shop_ids[0]))
    only_normal = item_list(
        svc, request(world, path, {"offset": "0", "page_size": "100", "item_status": "NORMAL"})
    )
    assert isinstance(only_normal.payload, dict)
    assert {e["item_status"] for e in only_normal.payload["item"]} == {"NORMAL"}
    with pytest.raises(ApiError) as refused:
        item_list(svc, request(world, path, {"offset": "0", "page_size": "10", "item_status": "SOLD_OUT"}))
    assert refused.value.error == "error_param_item_status"


@pytest.mark.parametrize(("rule", "warned"), [("warning", True), ("omit", False), ("error", None)])
def test_unknown_item_ids_follow_the_configured_rule(rule: str, warned: bool | None) -> None:
    world = make_world(catalog_unknown_item_id=rule)
    known = world.catalogue_now(world.shop_ids[0])[0]["item_id"]
    ask = request(world, "/api/v2/product/get_item_base_info", {"item_id_list": f"[{known},123]"})
    if warned is None:
        with pytest.raises(ApiError):
            item_base_info(services(world), ask)
        return
    reply = item_base_info(services(world), ask)
    assert isinstance(reply.payload, dict)
    assert [i["item_id"] for i in reply.payload["item_list"]] == [known]
    assert bool(reply.warning) is warned


@pytest.mark.parametrize(("rule", "models"), [("empty", 0), ("model_zero", 1)])
def test_model_list_of_a_product_without_variations_follows_the_configured_rule(
    rule: str, models: int
) -> None:
    world = make_world(catalog_model_list_without_variants=rule, catalog_items=60, catalog_variant_share=0.0)
    plain = next(p for p in world.catalogue_now(world.shop_ids[0]) if p["models"][0]["model_id"] == 0)
    reply = model_list(services(world), request(world, "/p", {"item_id": str(plain["item_id"])}))
    assert isinstance(reply.payload, dict)
    assert len(reply.payload["model"]) == models


def test_sales_move_update_time_only_when_configured() -> None:
    quiet, moving = make_world(), make_world(catalog_sales_move_update_time=True)
    shop = quiet.shop_ids[0]
    times = {p["item_id"]: p["update_time"] for p in quiet.catalogue_now(shop)}
    moved = {p["item_id"]: p["update_time"] for p in moving.catalogue_now(shop)}
    assert any(moved[item] > times[item] for item in times)
