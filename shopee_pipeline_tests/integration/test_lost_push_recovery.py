"""Lost pushes really recover: Shopee's official `get_lost_push_message` body, verbatim, goes through the
client and `recover_lost_pushes` into a routable event, confirmed only after it is stored; the sandbox's
lost pushes (served the same way) end as rows in `orders` through the push sensor's run; an entry in a
shape nothing can route is kept as ignored, with the reason, so it cannot block later pages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import dagster as dg
import pytest
from sqlalchemy import select

from shopee_pipeline.definitions import defs
from shopee_pipeline.defs.resources import WarehouseResource
from shopee_pipeline.defs.sensors import RUN_KEY_TAG
from shopee_pipeline.settings import get_settings
from shopee_pipeline.shopee.client import lost_push_envelope
from shopee_pipeline.warehouse import tables

OFFICIAL_SAMPLE = (
    '{"shop_id": 727720655, "code": 3, "timestamp": 1660123127, "data": "{\\"data\\":{\\"items\\":[],'
    '\\"ordersn\\":\\"220810QSK8S7BX\\",\\"status\\":\\"PROCESSED\\",\\"completed_scenario\\":\\"\\",'
    '\\"update_time\\":1660123127},\\"shop_id\\":727720655,\\"code\\":3,\\"timestamp\\":1660123127}"}'
)
"""One entry of `push_message_list` exactly as Shopee's documentation shows it."""

webhook_events_sensor = defs.get_sensor_def("webhook_events_sensor")


class FakeShopee:
    """Answers `get_lost_push_message` with `pages` (one per call, then an empty list) and records each
    `confirm_consumed_lost_push_message` with the events stored at that moment (`stored()`)."""

    def __init__(self, pages: list[str], stored) -> None:
        self.confirmed: list[tuple[object, list]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self, body: str) -> None:
                raw = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                assert urlparse(self.path).path == "/api/v2/push/get_lost_push_message"
                page = pages.pop(0) if pages else '{"push_message_list": [], "has_next_page": false}'
                self._answer(f'{{"error": "", "message": "", "request_id": "r", "response": {page}}}')

            def do_POST(self) -> None:
                assert urlparse(self.path).path == "/api/v2/push/confirm_consumed_lost_push_message"
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.confirmed.append((body["last_message_id"], stored()))
                self._answer('{"error": "", "message": "", "request_id": "r", "response": {}}')

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _page(*entries: str, last_message_id: int, has_next_page: bool = False) -> str:
    listing = ", ".join(entries)
    return (
        f'{{"push_message_list": [{listing}], "has_next_page": {json.dumps(has_next_page)}, '
        f'"last_message_id": {last_message_id}}}'
    )


def _events(pipeline) -> list:
    c = tables.webhook_events.c
    with pipeline.warehouse.connect() as conn:
        return list(
            conn.execute(
                select(c.code, c.shop_id, c.payload, c.source, c.outcome, c.processed_at).order_by(c.event_id)
            )
        )


@contextmanager
def shopee_answering(pipeline, monkeypatch, pages: list[str]) -> Iterator[FakeShopee]:
    fake = FakeShopee(pages, lambda: _events(pipeline))
    monkeypatch.setenv("SHOPEE_API_BASE_URL", fake.url)
    get_settings.cache_clear()
    try:
        yield fake
    finally:
        fake.close()
        monkeypatch.setenv("SHOPEE_API_BASE_URL", pipeline.sandbox.url)
        get_settings.cache_clear()


def _recover(pipeline) -> dg.ExecuteInProcessResult:
    result = defs.resolve_job_def("recover_lost_pushes_job").execute_in_process(instance=pipeline.instance)
    assert result.success
    return result


def _sensor(pipeline) -> dg.SensorResult:
    with dg.build_sensor_context(
        instance=pipeline.instance, definitions=defs, resources={"warehouse": WarehouseResource()}
    ) as context:
        return webhook_events_sensor(context)


def test_official_sample_is_unwrapped_into_the_envelope_it_was() -> None:
    envelope = lost_push_envelope(json.loads(OFFICIAL_SAMPLE))
    assert envelope == {
        "shop_id": 727720655,
        "code": 3,
        "timestamp": 1660123127,
        "data": {
            "items": [],
            "ordersn": "220810QSK8S7BX",
            "status": "PROCESSED",
            "completed_scenario": "",
            "update_time": 1660123127,
        },
    }
    inner = json.loads(json.loads(OFFICIAL_SAMPLE)["data"])
    as_object = {**json.loads(OFFICIAL_SAMPLE), "data": inner}
    bare = {**json.loads(OFFICIAL_SAMPLE), "data": inner["data"]}
    assert lost_push_envelope(as_object) == envelope == lost_push_envelope(bare)


def test_official_sample_is_stored_routable_then_confirmed(pipeline, monkeypatch) -> None:
    pipeline.instance.add_dynamic_partitions("shops", ["727720655"])
    with shopee_answering(pipeline, monkeypatch, [_page(OFFICIAL_SAMPLE, last_message_id=41)]) as fake:
        _recover(pipeline)
    [(last_message_id, stored_then)] = fake.confirmed
    assert last_message_id == 41
    [event] = stored_then  # confirmed only once the row was committed
    assert (event.code, event.shop_id, event.source, event.processed_at) == (3, 727720655, "lost_push", None)
    assert event.payload["data"]["ordersn"] == "220810QSK8S7BX"

    [request] = _sensor(pipeline).run_requests  # routed, not ignored
    assert request.run_config["ops"]["shopee_orders"]["config"]["only"] == ["220810QSK8S7BX"]
    # 2022-08-10 lies before the first partition: clamped to it (the order is synced by its order_sn)
    assert request.partition_key == f"{get_settings().sync_start_date}|727720655"


def test_an_unroutable_entry_is_kept_ignored_and_the_page_still_confirmed(pipeline, monkeypatch) -> None:
    no_ordersn = json.dumps(
        {"shop_id": 5, "code": 3, "timestamp": 1660123127, "data": json.dumps({"code": 3, "data": {}})}
    )
    not_json = json.dumps({"shop_id": 5, "code": 4, "timestamp": 1660123127, "data": "{not json"})
    no_code = json.dumps({"data": "?"})
    page = _page(no_ordersn, not_json, no_code, OFFICIAL_SAMPLE, last_message_id=7)
    with shopee_answering(pipeline, monkeypatch, [page]) as fake:
        result = _recover(pipeline)
    [(last_message_id, stored_then)] = fake.confirmed
    assert last_message_id == 7 and len(stored_then) == 4
    outcomes = [(e.code, e.outcome) for e in stored_then]
    assert outcomes == [
        (3, "ignored: lost push in a shape that cannot be routed (no ordersn in data)"),
        (4, "ignored: lost push in a shape that cannot be routed (no ordersn in data)"),
        (0, "ignored: lost push in a shape that cannot be routed (body has no integer 'code')"),
        (3, None),
    ]
    assert stored_then[2].payload == {"code": 0, "unreadable": {"data": "?"}}
    logged = [record.user_message for record in pipeline.instance.all_logs(result.run_id)]
    assert any("lost push (code 3, shop 5) kept as ignored: no ordersn in data" in m for m in logged)
    assert _sensor(pipeline).run_requests == []  # the routable one's shop is not connected: nothing to run


def test_sandbox_lost_pushes_become_rows_in_orders_through_the_sensors_run(pipeline) -> None:
    shop = pipeline.sandbox.shop_ids[0]
    pipeline.sandbox.advance(2 * 3600)  # no push_url: every push goes to the lost store, as Shopee serves it
    assert pipeline.sandbox.push_stats()["lost_stored"] > 0
    _recover(pipeline)
    assert pipeline.sandbox.push_stats()["lost_stored"] == 0  # confirmed, after being stored

    result = _sensor(pipeline)
    [request] = [r for r in result.run_requests if r.tags["shopee/shop"] == str(shop)]
    pushed = request.run_config["ops"]["shopee_orders"]["config"]["only"]
    assert pushed
    run = defs.resolve_job_def("sync_shopee").execute_in_process(
        instance=pipeline.instance,
        partition_key=request.partition_key,
        tags={**request.tags, RUN_KEY_TAG: request.run_key},
        run_config=request.run_config,
        asset_selection=list(request.asset_selection),
    )
    assert run.success
    c = tables.orders.c
    with pipeline.warehouse.connect() as conn:
        rows = dict(
            conn.execute(
                select(c.order_sn, c.order_status).where(c.shop_id == shop, c.order_sn.in_(pushed))
            ).all()
        )
    assert rows == {sn: pipeline.sandbox.world.order_detail(shop, sn)["order_status"] for sn in pushed}

    _sensor(pipeline)  # the next tick finds the run and marks its events processed, naming it
    mine = [e for e in _events(pipeline) if e.shop_id == shop and e.code in (3, 4)]
    assert mine and all(e.outcome == f"synced by run {run.run_id} ({request.run_key})" for e in mine)


@pytest.fixture(autouse=True)
def _no_leftover_settings() -> Iterator[None]:
    yield
    get_settings.cache_clear()
