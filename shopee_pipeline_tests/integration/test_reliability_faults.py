"""Faults lose nothing: a sync under 20% injected faults (rate limits, error_server, HTTP 500, dropped
connections) yields exactly the rows of a fault-free sync, and no secret shows in logs or errors."""

import logging

import pytest

from shopee_pipeline.shopee import ShopeeClient, ShopeeConfig
from shopee_pipeline.sync.fetch import stream_orders
from shopee_pipeline.sync.windows import Window, day_bounds
from shopee_pipeline.warehouse.token_store import PostgresTokenStore
from shopee_pipeline_tests.pinned_clock import sandbox_day


def _client(pipeline) -> ShopeeClient:
    config = ShopeeConfig(
        partner_id=pipeline.sandbox.partner_id,
        partner_key=pipeline.sandbox.partner_key,
        base_url=pipeline.sandbox.url,
        backoff_initial_seconds=0.01,
        backoff_max_seconds=0.05,
        max_attempts=12,
        read_timeout=5,
    )
    return ShopeeClient(config, PostgresTokenStore(pipeline.warehouse.engine, pipeline.warehouse.schema))


def _sync(pipeline):
    day = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    start, end = day_bounds(day, pipeline.settings.timezone)
    windows = {
        shop: [Window(int(start.timestamp()), int(end.timestamp()) - 1)] for shop in pipeline.sandbox.shop_ids
    }
    with _client(pipeline) as client:
        result = stream_orders(client, windows, lambda pairs: {}, concurrency=3).collect()
        return result, client.stats.snapshot()


def _canonical(frame) -> list[str]:
    return sorted(map(str, frame.drop(columns=["raw"]).itertuples(index=False, name=None)))


@pytest.mark.clock
def test_twenty_percent_faults_change_no_row(pipeline, caplog) -> None:
    clean, _ = _sync(pipeline)
    assert not clean.failures and len(clean.rows.orders) > 50

    pipeline.sandbox.set_faults(fault_rate=0.2, kinds=["rate_limit", "error_server", "http_500", "drop"])
    with caplog.at_level(logging.DEBUG):
        faulty, stats = _sync(pipeline)
    pipeline.sandbox.set_faults(fault_rate=0.0)

    assert not faulty.failures
    assert stats.retries > 0
    for name in ("orders", "order_items", "logistics"):
        assert _canonical(getattr(faulty.rows, name)) == _canonical(getattr(clean.rows, name)), name
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert pipeline.sandbox.partner_key not in logged
    tokens = PostgresTokenStore(pipeline.warehouse.engine, pipeline.warehouse.schema)
    for shop in pipeline.sandbox.shop_ids:
        pair = tokens.load(shop)
        assert pair.access_token not in logged and pair.refresh_token not in logged
