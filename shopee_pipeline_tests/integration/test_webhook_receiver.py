"""The receiver end to end: real uvicorn on loopback, real Postgres, requests as Shopee."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import text

from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.webhook.app import MAX_BODY_BYTES, create_app
from shopee_pipeline.webhook.server import background_server
from shopee_pipeline.webhook.signature import push_signature

KEY = "push-key-for-tests-0123456789"
CALLBACK = "https://receiver.example.com/api/webhook"


@pytest.fixture
def base_url(warehouse: Warehouse) -> Iterator[str]:
    with background_server(create_app(warehouse, CALLBACK, KEY)) as url:
        yield url


def _post(base_url: str, body: bytes, *, sign: bool = True, url: str = CALLBACK, **headers: str):
    if sign:
        headers["Authorization"] = push_signature(KEY, url, body)
    headers.setdefault("Content-Type", "application/json")
    return requests.post(f"{base_url}/api/webhook", data=body, headers=headers, timeout=10)


def _body(**envelope: object) -> bytes:
    return json.dumps(envelope, separators=(",", ":")).encode()


def _rows(warehouse: Warehouse) -> list[dict]:
    with warehouse.connect() as conn:
        result = conn.execute(
            text(
                f'SELECT dedupe_key, msg_id, shop_id, code, payload, processed_at FROM "{warehouse.schema}"'
                ".webhook_events ORDER BY event_id"
            )
        )
        return [dict(row._mapping) for row in result]


ORDER_PUSH = {
    "msg_id": "m-1",
    "shop_id": 727720655,
    "code": 3,
    "timestamp": 1660123127,
    "data": {"ordersn": "220810QSK8S7BX", "status": "PROCESSED", "update_time": 1660123127},
}


def test_valid_push_is_stored_then_answered_empty(warehouse: Warehouse, base_url: str) -> None:
    response = _post(base_url, _body(**ORDER_PUSH))
    assert response.status_code == 200
    assert response.content == b""
    rows = _rows(warehouse)
    assert len(rows) == 1
    assert rows[0]["code"] == 3 and rows[0]["shop_id"] == 727720655 and rows[0]["msg_id"] == "m-1"
    assert rows[0]["payload"] == ORDER_PUSH
    assert rows[0]["processed_at"] is None


def test_duplicate_delivery_keeps_one_row(warehouse: Warehouse, base_url: str) -> None:
    for _ in range(3):
        assert _post(base_url, _body(**ORDER_PUSH)).status_code == 200
    # Same msg_id, different bytes (a re-send re-serialised): still the same push.
    assert _post(base_url, _body(**{**ORDER_PUSH, "timestamp": 1660123999})).status_code == 200
    assert len(_rows(warehouse)) == 1


def test_without_msg_id_dedupes_on_the_body(warehouse: Warehouse, base_url: str) -> None:
    push = {k: v for k, v in ORDER_PUSH.items() if k != "msg_id"}
    assert _post(base_url, _body(**push)).status_code == 200
    assert _post(base_url, _body(**push)).status_code == 200
    assert _post(base_url, _body(**{**push, "timestamp": 1})).status_code == 200
    rows = _rows(warehouse)
    assert len(rows) == 2
    assert all(row["dedupe_key"].startswith("sha256:") and row["msg_id"] is None for row in rows)


@pytest.mark.parametrize("code", [1, 2, 12])
def test_partner_level_pushes_have_no_shop(warehouse: Warehouse, base_url: str, code: int) -> None:
    assert _post(base_url, _body(code=code, timestamp=1, data={"partner_id": 2001})).status_code == 200
    [row] = _rows(warehouse)
    assert (row["code"], row["shop_id"]) == (code, None)


def test_shop_id_inside_data(warehouse: Warehouse, base_url: str) -> None:
    assert _post(base_url, _body(code=23, data={"shop_id": 42, "booking_sn": "B1"})).status_code == 200
    assert _rows(warehouse)[0]["shop_id"] == 42


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "0" * 64}, {"Authorization": "not hex at all"}],
    ids=["unsigned", "forged", "garbage"],
)
def test_bad_signature_is_401_and_writes_nothing(
    warehouse: Warehouse, base_url: str, headers: dict[str, str]
) -> None:
    response = _post(base_url, _body(**ORDER_PUSH), sign=False, **headers)
    assert response.status_code == 401
    assert _rows(warehouse) == []


def test_signature_over_another_url_is_401(warehouse: Warehouse, base_url: str) -> None:
    response = _post(base_url, _body(**ORDER_PUSH), url=CALLBACK + "/")
    assert response.status_code == 401
    assert _rows(warehouse) == []


def test_wrong_key_is_401(warehouse: Warehouse, base_url: str) -> None:
    body = _body(**ORDER_PUSH)
    response = _post(base_url, body, sign=False, Authorization=push_signature("other", CALLBACK, body))
    assert response.status_code == 401
    assert _rows(warehouse) == []


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2, 3]", b'"text"', b"", b'{"shop_id": 1}'])
def test_not_a_json_object_is_400(warehouse: Warehouse, base_url: str, body: bytes) -> None:
    assert _post(base_url, body).status_code == 400
    assert _rows(warehouse) == []


@pytest.mark.parametrize(
    ("escape", "visible"),
    [("\\u0000", "\\u0000"), ("\\ud800", "\\ud800"), ("\\uDFFF", "\\udfff")],
)
def test_nul_or_lone_surrogate_is_stored_escaped_and_answered_200(
    warehouse: Warehouse, base_url: str, escape: str, visible: str
) -> None:
    data = f'"ordersn": "O1", "note": "a{escape}b", "k{escape}": 1, "emoji": "\\ud83d\\ude00"'
    body = ('{"msg_id": "m-odd", "shop_id": 5, "code": 3, "data": {' + data + "}}").encode()
    response = _post(base_url, body)
    assert response.status_code == 200 and response.content == b""
    [row] = _rows(warehouse)
    assert row["code"] == 3 and row["shop_id"] == 5 and row["msg_id"] == "m-odd"
    data = row["payload"]["data"]
    assert data["note"] == f"a{visible}b" and data[f"k{visible}"] == 1 and data["ordersn"] == "O1"
    assert data["emoji"] == "\U0001f600"  # a surrogate pair is a real character, kept as it is


def test_body_over_one_mib_is_413(warehouse: Warehouse, base_url: str) -> None:
    body = b'{"code":3,"pad":"' + b"x" * MAX_BODY_BYTES + b'"}'
    assert _post(base_url, body).status_code == 413
    # Exactly at the limit is accepted.
    pad = MAX_BODY_BYTES - len(b'{"code":3,"pad":""}')
    body = b'{"code":3,"pad":"' + b"x" * pad + b'"}'
    assert len(body) == MAX_BODY_BYTES
    assert _post(base_url, body).status_code == 200
    assert len(_rows(warehouse)) == 1


def test_chunked_body_over_one_mib_is_413(warehouse: Warehouse, base_url: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"code":3,"pad":"'
        for _ in range(17):
            yield b"x" * 65536
        yield b'"}'

    response = requests.post(
        f"{base_url}/api/webhook", data=chunks(), headers={"Authorization": "0" * 64}, timeout=10
    )
    assert response.status_code == 413
    assert _rows(warehouse) == []


def test_parallel_identical_pushes_store_one_row(warehouse: Warehouse, base_url: str) -> None:
    body = _body(**{k: v for k, v in ORDER_PUSH.items() if k != "msg_id"})
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda _: _post(base_url, body).status_code, range(10)))
    assert statuses == [200] * 10
    assert len(_rows(warehouse)) == 1


def test_healthz(base_url: str) -> None:
    response = requests.get(f"{base_url}/healthz", timeout=10)
    assert response.status_code == 200


def test_wrong_method_and_path(base_url: str) -> None:
    assert requests.get(f"{base_url}/api/webhook", timeout=10).status_code == 405
    assert requests.post(f"{base_url}/other", data=b"{}", timeout=10).status_code == 404


def test_database_down_is_503() -> None:
    engine = create_warehouse_engine("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
    try:
        with background_server(create_app(Warehouse(engine, "shopee"), CALLBACK, KEY)) as url:
            response = _post(url, _body(**ORDER_PUSH))
            assert response.status_code == 503
            assert "Traceback" not in response.text
            assert requests.get(f"{url}/healthz", timeout=10).status_code == 503
            # Signature is still checked first: a forged push is 401, not 503.
            assert _post(url, _body(**ORDER_PUSH), sign=False).status_code == 401
    finally:
        engine.dispose()


def test_logs_never_carry_the_signature_or_key(
    warehouse: Warehouse, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = _body(**ORDER_PUSH)
    signature = push_signature(KEY, CALLBACK, body)
    forged = "f" * 64
    assert _post(base_url, body).status_code == 200
    assert _post(base_url, body).status_code == 200
    assert _post(base_url, body, sign=False, Authorization=forged).status_code == 401
    assert _post(base_url, b"[]").status_code == 400
    messages = caplog.text
    assert "code=3" in messages and "shop_id=727720655" in messages
    assert "stored" in messages and "duplicate" in messages and "401" in messages
    for secret in (signature, forged, KEY):
        assert secret not in messages
