"""Push signature (``Authorization``, docs/shopee-api-notes.md#pushes) and envelope parsing, no database."""

from __future__ import annotations

import hashlib
import json

import pytest

from shopee_pipeline.settings import SettingsError, load_settings
from shopee_pipeline.webhook.events import InvalidPush, parse_push
from shopee_pipeline.webhook.server import serve
from shopee_pipeline.webhook.signature import push_signature, verify_push

KEY = "test_partner_key"
URL = "https://example.com/shopee/push"
BODY = (
    b'{"data":{"ordersn":"220810QSK8S7BX","status":"PROCESSED","update_time":1660123127},'
    b'"shop_id":727720655,"code":3,"timestamp":1660123127}'
)
VECTOR = "cefcf0674fbe0d114938028d06345a6a048297f10474b80fac8c2577fa62aa2d"


def test_reference_vector() -> None:
    assert push_signature(KEY, URL, BODY) == VECTOR


def test_verify_accepts_the_vector_only() -> None:
    assert verify_push(KEY, URL, BODY, VECTOR)
    assert not verify_push(KEY, URL, BODY, None)
    assert not verify_push(KEY, URL, BODY, "")
    assert not verify_push(KEY, URL, BODY, "SHA256 " + VECTOR)
    assert not verify_push(KEY, URL + "/", BODY, VECTOR)
    assert not verify_push("other", URL, BODY, VECTOR)
    assert not verify_push(KEY, URL, BODY + b" ", VECTOR)
    assert not verify_push(KEY, URL, BODY, "é" * 64)


def test_parse_reference_body() -> None:
    push = parse_push(BODY)
    assert (push.code, push.shop_id, push.msg_id) == (3, 727720655, None)
    assert push.dedupe_key == "sha256:" + hashlib.sha256(BODY).hexdigest()
    assert push.payload["data"]["ordersn"] == "220810QSK8S7BX"


def test_msg_id_is_the_dedupe_key() -> None:
    push = parse_push(b'{"msg_id":"abc-1","code":4,"shop_id":"12","data":{}}')
    assert (push.dedupe_key, push.msg_id, push.shop_id) == ("msg:abc-1", "abc-1", 12)


@pytest.mark.parametrize(
    "envelope, shop_id",
    [
        ({"code": 3, "data": {"shop_id": 55}}, 55),
        ({"code": 3, "data": json.dumps({"shop_id": 56})}, 56),
        ({"code": 1, "data": {"partner_id": 1}}, None),
        ({"code": 12, "timestamp": 1}, None),
        ({"code": 3, "shop_id": True}, None),
        ({"code": 3, "shop_id": 2**64}, None),
    ],
)
def test_shop_id_top_level_or_in_data(envelope: dict, shop_id: int | None) -> None:
    assert parse_push(json.dumps(envelope).encode()).shop_id == shop_id


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"[1,2]", b'"x"', b"null", b'{"shop_id":1}', b'{"code":"three"}', b'{"code":NaN}', b"\xff"],
)
def test_not_a_push(body: bytes) -> None:
    with pytest.raises(InvalidPush):
        parse_push(body)


def test_serve_requires_a_push_key() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://u:p@127.0.0.1:1/db"})
    with pytest.raises(SettingsError, match="SHOPEE_PUSH_PARTNER_KEY or SHOPEE_PARTNER_KEY"):
        serve(settings)
