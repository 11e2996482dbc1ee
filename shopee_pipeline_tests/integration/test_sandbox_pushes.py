"""Pushes from the sandbox: signed delivery to a tiny local receiver, and the lost-push API."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from shopee_pipeline.sandbox import SandboxConfig, SandboxHandle, start_sandbox
from shopee_pipeline_tests.pinned_clock import SANDBOX_START

HOUR = 3600
PUSH_KEY = "sandbox-push-key"
LOST = "/api/v2/push/get_lost_push_message"
CONFIRM = "/api/v2/push/confirm_consumed_lost_push_message"


class Receiver:
    """A loopback webhook receiver that records what arrives and answers ``status`` with ``body``."""

    def __init__(self, status: int = 200, body: bytes = b"") -> None:
        self.status = status
        self.body = body
        self.received: list[tuple[str, bytes]] = []
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    receiver.received.append((self.headers.get("Authorization", ""), raw))
                self.send_response(receiver.status)
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def config(**overrides: Any) -> SandboxConfig:
    settings: dict[str, Any] = {
        "shops": 2,
        "seed": 5,
        "orders_per_shop_per_day": 60,
        "history_days": 1,
        "push_key": PUSH_KEY,
        "start_time": SANDBOX_START,
    }
    settings.update(overrides)
    return SandboxConfig(**settings)


def public_call(sb: SandboxHandle, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    ts = int(time.time())
    sign = hmac.new(
        sb.partner_key.encode(), f"{sb.partner_id}{path}{ts}".encode(), hashlib.sha256
    ).hexdigest()
    params = {"partner_id": sb.partner_id, "timestamp": ts, "sign": sign}
    return requests.request(method, sb.url + path, params=params, timeout=10, **kwargs).json()


def test_pushes_are_signed_and_delivered_before_advance_returns(receiver: Receiver) -> None:
    with start_sandbox(config(push_url=receiver.url)) as sb:
        assert sb.push_key == PUSH_KEY
        sb.advance(2 * 24 * HOUR)
        stats = sb.push_stats()
        assert (
            len(receiver.received) == stats["delivered"] > 50 and stats["pending"] == 0 and stats["lost"] == 0
        )
        codes = set()
        for authorization, raw in receiver.received:
            expected = hmac.new(
                PUSH_KEY.encode(), receiver.url.encode() + b"|" + raw, hashlib.sha256
            ).hexdigest()
            assert authorization == expected
            push = json.loads(raw)
            assert (
                set(push) == {"msg_id", "shop_id", "code", "timestamp", "data"}
                and push["shop_id"] in sb.shop_ids
            )
            codes.add(push["code"])
            data = push["data"]
            if push["code"] == 3:
                assert {"ordersn", "status", "update_time", "completed_scenario"} <= set(data)
                assert (
                    sb.world.order_detail(push["shop_id"], data["ordersn"])["update_time"]
                    >= data["update_time"]
                )
            elif push["code"] == 4:
                tracking = sb.world.tracking_number(push["shop_id"], data["ordersn"], data["package_number"])
                assert data["tracking_no"] == tracking
            elif push["code"] == 24:
                tracking = sb.world.booking_tracking_number(push["shop_id"], data["booking_sn"])
                assert data["tracking_no"] == tracking and tracking
            else:
                assert push["code"] == 23 and {"booking_sn", "booking_status", "update_time"} <= set(data)
        assert codes == {3, 4, 23, 24}
        assert len({json.loads(raw)["msg_id"] for _, raw in receiver.received}) == len(receiver.received)


def test_order_status_push_matches_the_world(receiver: Receiver) -> None:
    with start_sandbox(config(push_url=receiver.url, shops=1)) as sb:
        start = sb.now()
        sb.advance(HOUR)
        pushed = {
            json.loads(raw)["data"]["ordersn"] for _, raw in receiver.received if json.loads(raw)["code"] == 3
        }
        changed = set(sb.world.orders_updated_between(sb.shop_ids[0], start + 1, sb.now()))
        assert pushed == changed and pushed


def test_failed_pushes_go_to_the_lost_store_and_can_be_confirmed() -> None:
    failing = Receiver(status=500)
    try:
        with start_sandbox(
            config(push_url=failing.url, orders_per_shop_per_day=120, push_retry_delays=())
        ) as sb:
            sb.advance(24 * HOUR)
            stats = sb.push_stats()
            assert stats["delivered"] == 0 and stats["lost"] == len(failing.received) > 100
            first = public_call(sb, "GET", LOST)
            page = first["response"]
            assert (
                first["error"] == ""
                and len(page["push_message_list"]) == 100
                and page["has_next_page"] is True
            )
            message = page["push_message_list"][0]
            assert set(message) == {"shop_id", "code", "timestamp", "data"}
            assert isinstance(json.loads(message["data"]), dict)
            assert (
                public_call(sb, "POST", CONFIRM, json={"last_message_id": page["last_message_id"]})["error"]
                == ""
            )
            second = public_call(sb, "GET", LOST)["response"]
            assert second["push_message_list"][0] != message
            assert public_call(sb, "POST", CONFIRM, json={})["error"] == "error_param"
    finally:
        failing.close()


def test_a_failed_push_is_sent_again_after_5_minutes_30_minutes_and_3_hours() -> None:
    receiver = Receiver(status=500)

    def attempts() -> Counter[str]:
        return Counter(json.loads(raw)["msg_id"] for _, raw in receiver.received)

    try:
        with start_sandbox(config(push_url=receiver.url, shops=1)) as sb:
            sb.advance(HOUR)
            first = set(attempts())
            assert first and sb.push_stats()["retrying"] == len(first) and sb.push_stats()["lost"] == 0
            sb.advance(299)  # not due yet
            assert all(attempts()[m] == 1 for m in first)
            sb.advance(1)  # 5 minutes after the failure: the same messages (same msg_id) again
            assert all(attempts()[m] == 2 for m in first)
            sb.advance(1800)
            assert all(attempts()[m] == 3 for m in first)
            sb.advance(10800)  # the third retry fails too: lost, after four attempts in all
            assert all(attempts()[m] == 4 for m in first)
            lost = public_call(sb, "GET", LOST)["response"]["push_message_list"]
            assert sb.push_stats()["lost"] == len(first) == len(lost)
    finally:
        receiver.close()


def test_a_push_retried_after_the_receiver_recovers_is_delivered() -> None:
    receiver = Receiver(status=503)
    try:
        with start_sandbox(config(push_url=receiver.url, shops=1)) as sb:
            sb.advance(HOUR)
            failed = len(receiver.received)
            receiver.status = 200
            sb.advance(300)
            stats = sb.push_stats()
            assert failed and stats["delivered"] >= failed and stats["retrying"] == 0 and stats["lost"] == 0
    finally:
        receiver.close()


def test_a_non_empty_2xx_answer_counts_as_a_failure() -> None:
    chatty = Receiver(status=200, body=b'{"ok": true}')
    try:
        with start_sandbox(config(push_url=chatty.url, shops=1, push_retry_delays=())) as sb:
            sb.advance(6 * HOUR)
            assert sb.push_stats()["delivered"] == 0 and sb.push_stats()["lost"] == len(chatty.received) > 0
    finally:
        chatty.close()


def test_lost_pushes_are_served_as_shopee_does_data_is_the_whole_envelope_as_text() -> None:
    with start_sandbox(config(shops=1)) as sb:
        sb.advance(6 * HOUR)
        page = public_call(sb, "GET", LOST)["response"]
        assert page["push_message_list"] and sb.push_stats()["lost"] > 0
        for entry in page["push_message_list"]:
            assert set(entry) == {"shop_id", "code", "timestamp", "data"} and isinstance(entry["data"], str)
            envelope = json.loads(entry["data"])
            assert set(envelope) == {"msg_id", "shop_id", "code", "timestamp", "data"}
            assert (envelope["shop_id"], envelope["code"], envelope["timestamp"]) == (
                entry["shop_id"],
                entry["code"],
                entry["timestamp"],
            )
            assert envelope["code"] != 3 or envelope["data"]["ordersn"]


@pytest.mark.parametrize("shape", ["envelope_object", "inner_object"])
def test_lost_push_data_can_take_the_other_shapes(shape: str) -> None:
    with start_sandbox(config(shops=1, lost_push_data_shape=shape)) as sb:
        sb.advance(6 * HOUR)
        entries = public_call(sb, "GET", LOST)["response"]["push_message_list"]
        assert entries and all(isinstance(e["data"], dict) for e in entries)
        orders = [e for e in entries if e["code"] == 3]
        assert orders
        for entry in orders:
            inner = entry["data"]["data"] if shape == "envelope_object" else entry["data"]
            assert inner["ordersn"] and inner["status"]


def _delivered_msg_ids(receiver: Receiver) -> Counter:
    return Counter(json.loads(raw)["msg_id"] for _, raw in receiver.received)


def test_dropped_pushes_go_straight_to_the_lost_store_and_repeat_with_the_seed(receiver: Receiver) -> None:
    outcomes = []
    for _ in range(2):
        receiver.received.clear()
        with start_sandbox(config(push_url=receiver.url, shops=1, push_drop_rate=0.3)) as sb:
            sb.advance(12 * HOUR)
            stats = sb.push_stats()
            lost = [
                json.loads(e["data"]) for e in public_call(sb, "GET", LOST)["response"]["push_message_list"]
            ]
            delivered = [json.loads(raw) for _, raw in receiver.received]
        total = stats["delivered"] + stats["dropped"]
        assert stats["dropped"] == stats["lost"] == len(lost) > 0 and stats["retried"] == 0
        assert 0.15 < stats["dropped"] / total < 0.45
        assert not {m["msg_id"] for m in lost} & {m["msg_id"] for m in delivered}
        outcomes.append(sorted((m["code"], m["timestamp"], json.dumps(m["data"])) for m in lost))
    assert outcomes[0] == outcomes[1]  # the same pushes are dropped on every run with this seed


def test_duplicated_pushes_arrive_twice_with_one_msg_id(receiver: Receiver) -> None:
    with start_sandbox(config(push_url=receiver.url, shops=1, push_duplicate_rate=0.25)) as sb:
        sb.advance(12 * HOUR)
        stats = sb.push_stats()
    counts = _delivered_msg_ids(receiver)
    twice = [m for m, n in counts.items() if n == 2]
    assert set(counts.values()) == {1, 2} and len(twice) == stats["duplicated"]
    assert 0.1 < len(twice) / len(counts) < 0.4 and stats["delivered"] == len(receiver.received)


def test_rates_are_validated() -> None:
    with pytest.raises(ValueError, match="push_drop_rate"):
        SandboxConfig(push_drop_rate=1.5)
    with pytest.raises(ValueError, match="lost_push_data_shape"):
        SandboxConfig(lost_push_data_shape="string")


def test_unreachable_receiver_loses_pushes_without_blocking() -> None:
    dead = Receiver()
    url = dead.url
    dead.close()
    with start_sandbox(config(push_url=url, shops=1, push_retry_delays=())) as sb:
        started = time.monotonic()
        sb.advance(3 * HOUR)
        # Generous: three hours of pushes, each refused at once, must not wait out a delivery timeout each.
        assert time.monotonic() - started < 60
        assert sb.push_stats()["lost"] > 0 and sb.push_stats()["delivered"] == 0


def test_a_ticking_clock_sends_pushes_on_its_own() -> None:
    with start_sandbox(config(shops=1, orders_per_shop_per_day=200, clock_rate=7200.0)) as sb:
        began = sb.now()
        time.sleep(1.6)
        assert sb.now() - began >= 7200
        assert sb.push_stats()["lost"] > 0
