"""The catalogue (`items`, `item_models`, `stock_history`) end to end against the sandbox: rows equal the
sandbox's truth, calls are what the declaration promises (list pages by offset, base info in batches of
50, one get_model_list per product with variations), a later run re-reads variations only for products
whose update_time moved, the daily whole read catches stock moved by sales alone, and a push 22 re-reads
one product."""

import math
from datetime import UTC, datetime
from decimal import Decimal

import dagster as dg
import pytest
from sqlalchemy import select

from shopee_pipeline import clock
from shopee_pipeline.definitions import defs
from shopee_pipeline.run_tags import RANGE_END, RANGE_START
from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline.settings import get_settings
from shopee_pipeline.sync.streams import DELETED_ITEM_STATUSES, ITEMS
from shopee_pipeline.warehouse import tables
from shopee_pipeline_tests.conftest import connected_pipeline
from shopee_pipeline_tests.pinned_clock import SANDBOX_START, sandbox_day

LIST_PATH = "/api/v2/product/get_item_list"
BASE_PATH = "/api/v2/product/get_item_base_info"
MODEL_PATH = "/api/v2/product/get_model_list"
HISTORY_DAYS = 4
PRODUCTS = 130  # more than one list page and two base-info batches


@pytest.fixture
def catalogue_pipeline(monkeypatch, pg_url, warehouse):
    # Off: whether a run is the day's whole read must not depend on the hour the test runs at.
    monkeypatch.setenv("SHOPEE_FULL_READ_AT", "off")
    handle = start_sandbox(
        SandboxConfig(
            shops=1,
            seed=31,
            orders_per_shop_per_day=40,
            history_days=HISTORY_DAYS,
            start_time=SANDBOX_START,
            catalog_items=PRODUCTS,
            catalog_price_push=True,
        )
    )
    try:
        with connected_pipeline(monkeypatch, pg_url, warehouse, handle) as pipeline:
            yield pipeline
    finally:
        handle.stop()


def _run(pipeline, first_day, last_day, config: dict | None = None):
    shop = pipeline.sandbox.shop_ids[0]
    job = defs.resolve_job_def("sync_shopee").get_subset(
        asset_selection={dg.AssetKey(key) for key in ITEMS.asset_keys}
    )
    tags = {RANGE_START: f"{first_day}|{shop}", RANGE_END: f"{last_day}|{shop}"}
    result = job.execute_in_process(
        instance=pipeline.instance, tags=tags, run_config={"ops": {"items": {"config": config or {}}}}
    )
    assert result.success
    return result


def _truth(pipeline) -> list[dict]:
    return pipeline.sandbox.truth()["shops"][0]["items"]


def _stored(pipeline, table) -> list[dict]:
    with pipeline.warehouse.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table))]


def _assert_catalogue_equals_truth(pipeline) -> list[dict]:
    truth = _truth(pipeline)
    items = {row["item_id"]: row for row in _stored(pipeline, tables.items)}
    assert set(items) == {product["item_id"] for product in truth}
    for product in truth:
        row = items[product["item_id"]]
        assert row["item_status"] == product["item_status"]
        assert row["update_time"] == datetime.fromtimestamp(product["update_time"], UTC)
    models = {(r["item_id"], r["model_id"]): r for r in _stored(pipeline, tables.item_models)}
    expected = {(p["item_id"], m["model_id"]): m for p in truth for m in p["models"]}
    assert set(models) == set(expected)
    for key, model in expected.items():
        row = models[key]
        assert (row["stock"], row["current_price"], row["original_price"]) == (
            model["stock"],
            Decimal(model["current_price"]),
            Decimal(model["original_price"]),
        ), key
        assert row["currency"] == "IDR"
    return truth


def _today(pipeline):
    return sandbox_day(pipeline.sandbox, pipeline.settings.timezone)


def test_first_sync_reads_the_whole_catalogue_at_the_declared_cost(catalogue_pipeline) -> None:
    """A shop's first sync reads every product whole, deleted ones kept with their status; a product
    without variations has model 0 with its price and stock; stock_history holds today's state of every
    variation of every product not deleted; calls: ceil(n/100) list pages, ceil(n/50) base-info
    batches, one get_model_list per product with variations."""
    pipeline = catalogue_pipeline
    last = _today(pipeline)
    result = _run(pipeline, last, last)
    truth = _assert_catalogue_equals_truth(pipeline)
    statuses = {product["item_status"] for product in truth}
    assert "NORMAL" in statuses and statuses & (DELETED_ITEM_STATUSES | {"UNLIST", "BANNED"})
    assert any(m["model_id"] == 0 for p in truth for m in p["models"])

    calls = pipeline.sandbox.call_counts()
    with_models = sum(1 for p in truth if p["models"][0]["model_id"] != 0)
    assert calls[LIST_PATH] == math.ceil(len(truth) / 100)
    assert calls[BASE_PATH] == math.ceil(len(truth) / 50)
    assert calls[MODEL_PATH] == with_models

    history = _stored(pipeline, tables.stock_history)
    today = clock.now().astimezone(get_settings().timezone).date()
    kept = {
        (p["item_id"], m["model_id"]): m
        for p in truth
        if p["item_status"] not in DELETED_ITEM_STATUSES
        for m in p["models"]
    }
    assert {(r["item_id"], r["model_id"]) for r in history} == set(kept)
    assert {r["snapshot_date"] for r in history} == {today}
    assert all(r["stock"] == kept[(r["item_id"], r["model_id"])]["stock"] for r in history)
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"items", "item_models", "stock_history"}


def test_a_later_sync_rereads_variations_only_where_update_time_moved(catalogue_pipeline) -> None:
    """Two simulated days later (restocks, promotions, sales), a sync of the days read lists the products
    changed in them and asks get_model_list only for those with variations whose update_time moved;
    stock moved by sales alone stays stale (Shopee may not move update_time for it), until a whole read
    (`full_resync`, what the daily read does) brings every variation back to the truth."""
    pipeline = catalogue_pipeline
    last = _today(pipeline)
    _run(pipeline, last, last)
    before = {p["item_id"]: p["update_time"] for p in _truth(pipeline)}

    pipeline.sandbox.advance(2 * 86400, wait_pushes=False)
    pipeline.sandbox.freeze_clock()
    truth = _truth(pipeline)
    moved = [p for p in truth if before.get(p["item_id"]) != p["update_time"]]
    moved_with_models = [p for p in moved if p["models"][0]["model_id"] != 0]
    assert moved_with_models

    pipeline.sandbox.reset_call_counts()
    _run(pipeline, last, _today(pipeline))
    assert pipeline.sandbox.call_counts()[MODEL_PATH] == len(moved_with_models)
    stored = {(r["item_id"], r["model_id"]): r["stock"] for r in _stored(pipeline, tables.item_models)}
    expected = {(p["item_id"], m["model_id"]): m["stock"] for p in truth for m in p["models"]}
    assert stored != expected, "sales alone should have moved some stock without moving update_time"

    pipeline.sandbox.reset_call_counts()
    _run(pipeline, last, _today(pipeline), {"full_resync": True})
    _assert_catalogue_equals_truth(pipeline)
    assert pipeline.sandbox.call_counts()[MODEL_PATH] == sum(1 for p in truth if p["models"][0]["model_id"])


def test_a_price_push_rereads_one_product(catalogue_pipeline) -> None:
    """What the push sensor asks for a push 22 (run config `only`): one base-info call, one
    get_model_list for a product with variations even though its update_time did not move (a push may
    concern what update_time does not track), no list call; its rows are current again."""
    pipeline = catalogue_pipeline
    last = _today(pipeline)
    _run(pipeline, last, last)
    product = next(p for p in _truth(pipeline) if p["models"][0]["model_id"] != 0)
    with pipeline.warehouse.begin() as conn:
        conn.execute(
            tables.item_models.update()
            .where(tables.item_models.c.item_id == product["item_id"])
            .values(stock=-1)
        )
    pipeline.sandbox.reset_call_counts()
    _run(pipeline, last, last, {"only": [str(product["item_id"])]})
    calls = pipeline.sandbox.call_counts()
    assert (calls.get(BASE_PATH), calls.get(MODEL_PATH), calls.get(LIST_PATH)) == (1, 1, None)
    _assert_catalogue_equals_truth(pipeline)
