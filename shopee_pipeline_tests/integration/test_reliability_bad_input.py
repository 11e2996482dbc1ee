"""Bad input from Shopee: every anomaly is stored or skipped with a logged reason; none crashes the
partition or costs the other orders their rows.

The sandbox bends its answers for chosen orders (``sandbox.inject``): missing optional fields, nulls where
numbers belong, an unknown ``order_status``, 100 KB strings, emoji and non-Latin text, a duplicate
``order_sn`` within one list page, an order that vanishes between list and detail, a ``warning`` on a
detail batch. Unknown push codes go through the real receiver and the push sensor.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import dagster as dg
import pytest
import requests
from sqlalchemy import select

from shopee_pipeline.definitions import defs
from shopee_pipeline.defs.resources import WarehouseResource
from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline.sandbox.anomalies import LONG_STRING_BYTES, UNICODE_TEXT, UNKNOWN_STATUS
from shopee_pipeline.shopee import ShopeeClient, ShopeeConfig
from shopee_pipeline.shopee.tokens import InMemoryTokenStore
from shopee_pipeline.sync.fetch import stream_orders
from shopee_pipeline.sync.windows import Window, day_bounds
from shopee_pipeline.warehouse import tables
from shopee_pipeline.webhook import create_app, push_signature
from shopee_pipeline.webhook.server import background_server
from shopee_pipeline_tests.pinned_clock import SANDBOX_START, sandbox_day

KINDS = (
    "missing_optional",
    "null_numbers",
    "unknown_status",
    "long_strings",
    "unicode",
    "duplicate_in_list",
    "vanish",
    "warning",
)

webhook_events_sensor = defs.get_sensor_def("webhook_events_sensor")


def _today_window(pipeline) -> tuple[str, int, int]:
    day = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    start, end = day_bounds(day, pipeline.settings.timezone)
    return str(day), int(start.timestamp()), int(end.timestamp()) - 1


def _rows(pipeline, table, shop_id: int) -> dict[str, dict]:
    with pipeline.warehouse.connect() as conn:
        result = conn.execute(select(table).where(table.c.shop_id == shop_id))
        return {r._mapping["order_sn"]: dict(r._mapping) for r in result}


def _items(pipeline, shop_id: int) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    with pipeline.warehouse.connect() as conn:
        query = (
            select(tables.order_items)
            .where(tables.order_items.c.shop_id == shop_id)
            .order_by(tables.order_items.c.line_index)
        )
        for row in conn.execute(query):
            grouped.setdefault(row._mapping["order_sn"], []).append(dict(row._mapping))
    return grouped


def _run_messages(pipeline, run_id: str) -> list[str]:
    return [entry.user_message or "" for entry in pipeline.instance.all_logs(run_id)]


@pytest.mark.clock
def test_every_anomaly_is_stored_or_skipped_with_a_reason(pipeline) -> None:
    shop = pipeline.sandbox.shop_ids[0]
    day, t0, t1 = _today_window(pipeline)
    listed = pipeline.sandbox.world.orders_updated_between(shop, t0, t1)
    assert len(listed) > len(KINDS) + 5
    bent = dict(zip(KINDS, listed, strict=False))
    for kind, order_sn in bent.items():
        pipeline.sandbox.inject(shop, order_sn, kind)

    result = defs.resolve_job_def("sync_shopee").execute_in_process(
        partition_key=f"{day}|{shop}", instance=pipeline.instance, raise_on_error=False
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]

    orders, items = _rows(pipeline, tables.orders, shop), _items(pipeline, shop)
    # The vanished order is skipped with a reason in the run's log; every other order is stored.
    assert set(orders) == set(listed) - {bent["vanish"]}
    messages = _run_messages(pipeline, result.run_id)
    assert any("skipped" in m and bent["vanish"] in m for m in messages)

    world = pipeline.sandbox.world
    for order_sn in set(listed) - set(bent.values()) | {bent["warning"], bent["duplicate_in_list"]}:
        truth = world.order_detail(shop, order_sn)
        row = orders[order_sn]
        assert row["order_status"] == truth["order_status"]
        assert row["update_time"] == datetime.fromtimestamp(truth["update_time"], UTC)
        assert row["total_amount"] == Decimal(str(truth["total_amount"]))
        assert [i["order_item_id"] for i in items[order_sn]] == [
            i["order_item_id"] for i in truth["item_list"]
        ]

    missing = orders[bent["missing_optional"]]
    assert missing["buyer_username"] is None and missing["total_amount"] is None
    assert missing["payment_method"] is None and missing["shipping_carrier"] is None
    assert len(items[bent["missing_optional"]]) == len(
        world.order_detail(shop, bent["missing_optional"])["item_list"]
    )

    nulls = orders[bent["null_numbers"]]
    assert nulls["total_amount"] is None and nulls["create_time"] is None and nulls["update_time"] is not None
    assert all(i["model_quantity_purchased"] is None for i in items[bent["null_numbers"]])
    assert all(i["model_original_price"] is None for i in items[bent["null_numbers"]])

    assert orders[bent["unknown_status"]]["order_status"] == UNKNOWN_STATUS

    long_row = orders[bent["long_strings"]]
    assert len(long_row["buyer_username"]) == LONG_STRING_BYTES
    assert all(len(i["item_name"]) == LONG_STRING_BYTES for i in items[bent["long_strings"]])
    assert all(len(m) < 10_000 for m in messages), "a 100 KB value reached a log line"

    assert orders[bent["unicode"]]["buyer_username"] == UNICODE_TEXT
    assert {i["item_name"] for i in items[bent["unicode"]]} == {UNICODE_TEXT}
    assert orders[bent["unicode"]]["raw"]["message_to_seller"] == UNICODE_TEXT

    # A second run over the same bent answers changes nothing and still succeeds.
    again = defs.resolve_job_def("sync_shopee").execute_in_process(
        partition_key=f"{day}|{shop}",
        instance=pipeline.instance,
        raise_on_error=False,
        run_config={"ops": {"shopee_orders": {"config": {"full_resync": True}}}},
    )
    assert again.success
    assert _rows(pipeline, tables.orders, shop).keys() == orders.keys()


def test_vanished_order_refused_as_a_whole_batch_costs_only_itself() -> None:
    """Shopee may refuse a whole detail batch for one unknown order_sn: the client isolates it."""
    config = SandboxConfig(
        shops=1,
        seed=5,
        orders_per_shop_per_day=120,
        history_days=1,
        unknown_order_sn="error",
        start_time=SANDBOX_START,
    )
    with start_sandbox(config) as sandbox:
        shop = sandbox.shop_ids[0]
        now = sandbox.now()
        listed = sandbox.world.orders_updated_between(shop, now - 86400, now)
        gone = listed[len(listed) // 2]
        sandbox.inject(shop, gone, "vanish")
        tokens = InMemoryTokenStore()
        client_config = ShopeeConfig(
            partner_id=sandbox.partner_id, partner_key=sandbox.partner_key, base_url=sandbox.url
        )
        with ShopeeClient(client_config, tokens) as client:
            client.connect_shop(shop, sandbox.authorize(shop))
            result = stream_orders(client, {shop: [Window(now - 86400, now)]}, lambda pairs: {}).collect()
    assert not result.failures
    assert set(result.rows.orders["order_sn"]) == set(listed) - {gone}
    assert any(gone in reason for reason in result.skipped)


def test_unknown_push_code_is_stored_and_ignored(pipeline) -> None:
    callback = "http://127.0.0.1/api/webhook"
    key = "push-key-for-bad-input-tests"
    body = json.dumps(
        {"msg_id": "odd-1", "shop_id": pipeline.sandbox.shop_ids[0], "code": 999, "data": {"x": 1}}
    )
    with background_server(create_app(pipeline.warehouse, callback, key)) as url:
        response = requests.post(
            f"{url}/api/webhook",
            data=body.encode(),
            headers={"Authorization": push_signature(key, callback, body.encode())},
            timeout=10,
        )
    assert response.status_code == 200
    with dg.build_sensor_context(
        instance=pipeline.instance, resources={"warehouse": WarehouseResource()}
    ) as context:
        result = webhook_events_sensor(context)
    assert not result.run_requests
    with pipeline.warehouse.connect() as conn:
        [row] = conn.execute(select(tables.webhook_events)).mappings().all()
    assert row["code"] == 999 and row["processed_at"] is not None


def test_anomalies_are_controlled_over_http(sandbox) -> None:
    shop = sandbox.shop_ids[0]
    answer = requests.post(
        f"{sandbox.url}/_sandbox/anomalies",
        json={"shop_id": shop, "order_sn": "X1", "kinds": ["vanish", "warning"]},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["anomalies"] == [{"shop_id": shop, "order_sn": "X1", "kinds": ["vanish", "warning"]}]
    bad = requests.post(
        f"{sandbox.url}/_sandbox/anomalies",
        json={"shop_id": shop, "order_sn": "X1", "kinds": ["nope"]},
        timeout=10,
    )
    assert bad.status_code == 400
    assert requests.post(f"{sandbox.url}/_sandbox/anomalies/clear", timeout=10).json() == {"anomalies": []}
    with pytest.raises(ValueError):
        sandbox.inject(shop, "X1", "nope")
