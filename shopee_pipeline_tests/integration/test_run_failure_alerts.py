"""A failed run reaches the operators' webhook: shop, partition and the step's one-line error, no secret;
a webhook that fails fails the sensor's tick (so the run is posted again); unset, nothing is sent. A failed
check (the daily authorization check on `shops`) takes the same path, naming the check and its shops."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from shopee_pipeline.alerts import FailedCheck, FailedRun, alert_text
from shopee_pipeline.defs.alerts import alert_on_run_failure
from shopee_pipeline.settings import get_settings
from shopee_pipeline.warehouse.shops import set_active
from shopee_pipeline_tests.integration.test_assets_e2e import materialize, today
from shopee_pipeline_tests.integration.test_triggers import authorization_ending, run_authorization_check


class _Webhook:
    """A local incoming webhook that records what it is sent and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.received: list[dict] = []
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                webhook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/secret-path"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def _failure_context(pipeline, run_id: str) -> dg.RunFailureSensorContext:
    [record] = pipeline.instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    return dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_instance=pipeline.instance,
        dagster_run=pipeline.instance.get_run_by_id(run_id),
        dagster_event=record.dagster_event,
    ).for_run_failure()


def _failed_run(pipeline) -> tuple[str, int, str]:
    shop = pipeline.sandbox.shop_ids[0]
    with pipeline.warehouse.begin() as conn:
        set_active(conn, shop, False)  # a shop that cannot be synced: the run fails at once
    partition = f"{today(pipeline)}|{shop}"
    result = materialize(pipeline, partition)
    assert not result.success
    return result.run_id, shop, partition


@pytest.mark.clock
def test_a_failed_run_is_posted_with_its_shop_partition_and_error(pipeline, monkeypatch) -> None:
    webhook = _Webhook()
    try:
        monkeypatch.setenv("SHOPEE_ALERT_WEBHOOK_URL", webhook.url)
        get_settings.cache_clear()
        run_id, shop, partition = _failed_run(pipeline)
        alert_on_run_failure(_failure_context(pipeline, run_id))
        [message] = webhook.received
        text = message["text"]
        assert run_id[:8] in text and "sync_shopee" in text
        assert f"shops: {shop}" in text and f"partition: {partition}" in text
        assert "deactivated" in text or "not connected" in text
        assert pipeline.sandbox.partner_key not in text and "secret-path" not in text
    finally:
        webhook.stop()
        get_settings.cache_clear()


@pytest.mark.clock
def test_a_webhook_that_fails_fails_the_tick_and_unset_sends_nothing(pipeline, monkeypatch) -> None:
    webhook = _Webhook(status=500)
    try:
        run_id, _, _ = _failed_run(pipeline)
        context = _failure_context(pipeline, run_id)
        monkeypatch.delenv("SHOPEE_ALERT_WEBHOOK_URL", raising=False)
        get_settings.cache_clear()
        skipped = alert_on_run_failure(context)
        assert isinstance(skipped, dg.SkipReason) and not webhook.received
        monkeypatch.setenv("SHOPEE_ALERT_WEBHOOK_URL", webhook.url)
        get_settings.cache_clear()
        with pytest.raises(RuntimeError, match="HTTP 500") as raised:
            alert_on_run_failure(context)
        assert "secret-path" not in str(raised.value) and len(webhook.received) == 1
    finally:
        webhook.stop()
        get_settings.cache_clear()


def test_the_alert_names_a_tick_slice_and_masks_secrets() -> None:
    key = "partner-key-0123456789abcdef"
    run = FailedRun(
        "0123456789abcdef",
        "sync_shopee",
        {
            "shopee/trigger": "auto_sync",
            "shopee/shops": "11,12,13",
            "dagster/asset_partition_range_start": "2026-11-25|11",
            "dagster/asset_partition_range_end": "2026-11-25|13",
        },
        [f"shop 12: error_auth: refused key {key} ?sign=abcdef0123456789"],
    )
    text = alert_text(run, [key])
    assert "run 01234567 of `sync_shopee` (auto_sync)" in text
    assert "shops: 11, 12, 13" in text and "partition: 2026-11-25|11 .. 2026-11-25|13" in text
    assert key not in text and "abcdef0123456789" not in text and "shop 12: error_auth" in text


def test_a_failed_check_is_posted_with_its_check_and_shops(pipeline, monkeypatch) -> None:
    webhook = _Webhook()
    shop = pipeline.sandbox.shop_ids[1]
    try:
        monkeypatch.setenv("SHOPEE_ALERT_WEBHOOK_URL", webhook.url)
        get_settings.cache_clear()
        with authorization_ending(pipeline, shop, timedelta(days=2)):
            result, evaluation = run_authorization_check(pipeline)
        assert not result.success and not evaluation.passed
        alert_on_run_failure(_failure_context(pipeline, result.run_id))
        [message] = webhook.received
        text = message["text"]
        assert result.run_id[:8] in text and "shop_authorization_check_job" in text
        assert "check `shops:authorization_not_expiring` failed" in text
        assert f"shops: {shop}\n" in text and "re-authorize" in text
        assert pipeline.sandbox.partner_key not in text and "secret-path" not in text
    finally:
        webhook.stop()
        get_settings.cache_clear()


def test_the_alert_names_failed_checks_and_their_shops_and_masks_secrets() -> None:
    key = "partner-key-0123456789abcdef"
    check = FailedCheck(
        "shops", "authorization_not_expiring", f"shops 7 (A), 9 (B) expire; key {key}", ("7", "9")
    )
    text = alert_text(FailedRun("fedcba9876543210", "shop_authorization_check_job", {}, [], (check,)), [key])
    assert "run fedcba98 of `shop_authorization_check_job` (manual) failed" in text
    assert "shops: 7, 9\npartition: not partitioned" in text
    assert "check `shops:authorization_not_expiring` failed: shops 7 (A), 9 (B) expire" in text
    assert key not in text
