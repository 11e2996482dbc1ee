"""The sandbox over HTTP with plain ``requests``; requests are signed here with ``hmac`` directly."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from shopee_pipeline.sandbox import SandboxConfig, SandboxHandle, start_sandbox
from shopee_pipeline_tests.pinned_clock import SANDBOX_START

DAY = 86400
HOUR = 3600
LIST = "/api/v2/order/get_order_list"
DETAIL = "/api/v2/order/get_order_detail"
ESCROW_BATCH = "/api/v2/payment/get_escrow_detail_batch"


def sign(key: str, base: str) -> str:
    return hmac.new(key.encode(), base.encode(), hashlib.sha256).hexdigest()


def call(
    sb: SandboxHandle,
    method: str,
    path: str,
    *,
    shop_id: int | None = None,
    token: str | None = None,
    params: dict[str, Any] | None = None,
    body: Any = None,
    ts: int | None = None,
    key: str | None = None,
) -> requests.Response:
    """A request signed by hand (public base string, or shop base string when ``shop_id`` is given)."""
    ts = int(time.time()) if ts is None else ts
    base = f"{sb.partner_id}{path}{ts}" + (f"{token}{shop_id}" if shop_id is not None else "")
    query: dict[str, Any] = {
        "partner_id": sb.partner_id,
        "timestamp": ts,
        "sign": sign(key or sb.partner_key, base),
    }
    if shop_id is not None:
        query.update(access_token=token, shop_id=shop_id)
    query.update(params or {})
    return requests.request(method, sb.url + path, params=query, json=body, timeout=10, allow_redirects=False)


def connect(sb: SandboxHandle, shop_id: int) -> dict[str, Any]:
    answer = call(
        sb,
        "POST",
        "/api/v2/auth/token/get",
        body={"code": sb.authorize(shop_id), "shop_id": shop_id, "partner_id": sb.partner_id},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with start_sandbox(
        SandboxConfig(shops=2, seed=11, orders_per_shop_per_day=400, history_days=3, start_time=SANDBOX_START)
    ) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def shop(sb: SandboxHandle) -> tuple[int, str]:
    shop_id = sb.shop_ids[0]
    return shop_id, connect(sb, shop_id)["access_token"]


def get(sb: SandboxHandle, shop: tuple[int, str], path: str, **params: Any) -> requests.Response:
    return call(sb, "GET", path, shop_id=shop[0], token=shop[1], params=params)


# -- auth -----------------------------------------------------------------------------------------------


def test_code_exchange_top_level_fields_and_single_use(sb: SandboxHandle) -> None:
    shop_id = sb.shop_ids[1]
    code = sb.authorize(shop_id)
    body = {"code": code, "shop_id": shop_id, "partner_id": sb.partner_id}
    first = call(sb, "POST", "/api/v2/auth/token/get", body=body).json()
    assert first["error"] == "" and first["request_id"] and "response" not in first
    assert first["expire_in"] == 14400 and first["access_token"] and first["refresh_token"]
    again = call(sb, "POST", "/api/v2/auth/token/get", body=body)
    assert again.json()["error"] == "invalid_code" and again.status_code == 403


def test_refresh_rotation_refuses_the_old_refresh_token(sb: SandboxHandle) -> None:
    shop_id = sb.shop_ids[1]
    first = connect(sb, shop_id)
    path = "/api/v2/auth/access_token/get"
    body = {"refresh_token": first["refresh_token"], "shop_id": shop_id, "partner_id": sb.partner_id}
    before = sb.refresh_counts().get(shop_id, 0)
    second = call(sb, "POST", path, body=body).json()
    assert (
        second["error"] == ""
        and second["shop_id"] == shop_id
        and second["refresh_token"] != first["refresh_token"]
    )
    old = call(sb, "POST", path, body=body)
    assert old.status_code == 403 and old.json()["error"] == "error_auth"
    assert old.json()["message"] == "Invalid refresh_token."
    assert sb.refresh_counts()[shop_id] == before + 2
    # the old access token still works for 5 minutes, the new one too
    for token in (first["access_token"], second["access_token"]):
        now = sb.now()
        answer = call(
            sb,
            "GET",
            LIST,
            shop_id=shop_id,
            token=token,
            params={
                "time_range_field": "update_time",
                "time_from": now - DAY,
                "time_to": now,
                "page_size": 1,
            },
        )
        assert answer.json()["error"] == ""


def test_auth_partner_redirects_with_a_code(sb: SandboxHandle) -> None:
    shop_id = sb.shop_ids[1]
    answer = call(
        sb,
        "GET",
        "/api/v2/shop/auth_partner",
        params={"redirect": "https://app.example/cb", "shop_id": shop_id},
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith("https://app.example/cb?code=") and f"shop_id={shop_id}" in location


# -- gateway rules -----------------------------------------------------------------------------------


def test_sign_timestamp_and_token_errors(sb: SandboxHandle, shop: tuple[int, str]) -> None:
    shop_id, token = shop
    params = {
        "time_range_field": "update_time",
        "time_from": sb.now() - DAY,
        "time_to": sb.now(),
        "page_size": 10,
    }
    wrong_key = call(sb, "GET", LIST, shop_id=shop_id, token=token, params=params, key="not-the-key")
    assert (wrong_key.status_code, wrong_key.json()["error"], wrong_key.json()["message"]) == (
        403,
        "error_sign",
        "Wrong sign.",
    )
    # stale against both clocks the sandbox accepts (wall and simulated), whatever the test order did to them
    stale = int(min(time.time(), sb.now())) - 301
    expired = call(sb, "GET", LIST, shop_id=shop_id, token=token, params=params, ts=stale)
    assert (expired.status_code, expired.json()["message"]) == (400, "Timestamp is expired.")
    ahead = int(max(time.time(), sb.now())) + 3600
    future = call(sb, "GET", LIST, shop_id=shop_id, token=token, params=params, ts=ahead)
    assert future.json()["error"] == "error_param"
    bad_token = call(sb, "GET", LIST, shop_id=shop_id, token="0" * 32, params=params)
    assert bad_token.status_code == 403
    assert bad_token.json() | {"request_id": ""} == {
        "request_id": "",
        "error": "invalid_acceess_token",
        "message": "Invalid access_token, please have a check.",
    }
    other_shop = call(sb, "GET", LIST, shop_id=sb.shop_ids[1], token=token, params=params)
    assert other_shop.json()["error"] == "invalid_acceess_token"
    no_sign = requests.get(
        sb.url + LIST, params={"partner_id": sb.partner_id, "timestamp": int(time.time())}, timeout=5
    )
    assert no_sign.json()["message"] == "There is no sign in query."
    # public base string on a shop API is a wrong sign
    ts = int(time.time())
    public_sign = sign(sb.partner_key, f"{sb.partner_id}{LIST}{ts}")
    query = {
        "partner_id": sb.partner_id,
        "timestamp": ts,
        "sign": public_sign,
        "access_token": token,
        "shop_id": shop_id,
    }
    assert requests.get(sb.url + LIST, params={**query, **params}, timeout=5).json()["error"] == "error_sign"


def test_invalid_token_error_is_configurable() -> None:
    config = SandboxConfig(
        shops=1,
        orders_per_shop_per_day=5,
        history_days=1,
        invalid_token_error="error_auth",
        start_time=SANDBOX_START,
    )
    with start_sandbox(config) as other:
        answer = call(
            other, "GET", DETAIL, shop_id=other.shop_ids[0], token="x" * 32, params={"order_sn_list": "A"}
        )
        assert answer.json()["error"] == "error_auth" and answer.json()["message"] == "Invalid access_token."


def test_unknown_path_and_wrong_method(sb: SandboxHandle, shop: tuple[int, str]) -> None:
    missing = get(sb, shop, "/api/v2/order/get_nothing")
    assert missing.json()["error"] == "error_not_found"
    wrong = call(sb, "POST", LIST, shop_id=shop[0], token=shop[1], body={})
    assert wrong.status_code == 400 and wrong.json()["error"] == "error_param"


# -- orders ---------------------------------------------------------------------------------------------


def test_order_list_pages_with_stable_cursors(sb: SandboxHandle, shop: tuple[int, str]) -> None:
    now = sb.now()
    window = {"time_range_field": "update_time", "time_from": now - 3 * DAY, "time_to": now, "page_size": 100}
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        answer = get(sb, shop, LIST, **window, cursor=cursor).json()
        assert answer["error"] == "" and set(answer["response"]) == {"more", "next_cursor", "order_list"}
        if cursor:
            assert get(sb, shop, LIST, **window, cursor=cursor).json()["response"] == answer["response"]
        seen += [o["order_sn"] for o in answer["response"]["order_list"]]
        assert all("order_status" not in o for o in answer["response"]["order_list"])
        pages += 1
        if not answer["response"]["more"]:
            assert answer["response"]["next_cursor"] == ""
            break
        cursor = answer["response"]["next_cursor"]
        assert isinstance(cursor, str) and cursor
    assert pages >= 10
    assert seen == sb.world.orders_updated_between(shop[0], now - 3 * DAY, now)


def test_order_list_options_and_limits(sb: SandboxHandle, shop: tuple[int, str]) -> None:
    now = sb.now()
    base = {"time_range_field": "update_time", "time_from": now - DAY, "time_to": now}
    with_status = get(sb, shop, LIST, **base, page_size=20, response_optional_fields="order_status").json()
    for entry in with_status["response"]["order_list"]:
        assert entry["order_status"] == sb.world.order_detail(shop[0], entry["order_sn"])["order_status"]
    only = get(
        sb, shop, LIST, **base, page_size=100, order_status="SHIPPED", response_optional_fields="order_status"
    )
    assert {o["order_status"] for o in only.json()["response"]["order_list"]} == {"SHIPPED"}
    created = get(sb, shop, LIST, **{**base, "time_range_field": "create_time"}, page_size=100).json()[
        "response"
    ]
    for entry in created["order_list"]:
        assert now - DAY <= sb.world.order_detail(shop[0], entry["order_sn"])["create_time"] <= now
    too_big = get(sb, shop, LIST, **base, page_size=101).json()
    assert (too_big["error"], too_big["message"]) == ("error_param", "page_size must be 100 or less.")
    long = get(
        sb,
        shop,
        LIST,
        time_range_field="update_time",
        time_from=now - 15 * DAY - 1,
        time_to=now,
        page_size=10,
    )
    assert long.json()["error"] == "order.order_list_invalid_time"
    assert long.json()["message"] == "Start time must be earlier than end time and diff in 15days."
    assert (
        get(
            sb,
            shop,
            LIST,
            time_range_field="update_time",
            time_from=now - 15 * DAY,
            time_to=now,
            page_size=10,
        ).json()["error"]
        == ""
    )
    assert get(sb, shop, LIST, **base, page_size=10, cursor="garbage!").json()["error"] == "error_param"


def test_order_list_returns_booking_sn_for_matched_orders(sb: SandboxHandle, shop: tuple[int, str]) -> None:
    now = sb.now()
    entries = []
    cursor = ""
    while True:
        answer = get(
            sb,
            shop,
            LIST,
            time_range_field="update_time",
            time_from=now - 3 * DAY,
            time_to=now,
            page_size=100,
            cursor=cursor,
        ).json()["response"]
        entries += answer["order_list"]
        if not answer["more"]:
            break
        cursor = answer["next_cursor"]
    matched = [e for e in entries if "booking_sn" in e]
    assert matched
    for entry in matched:
        assert sb.world.order_detail(shop[0], entry["order_sn"])["booking_sn"] == entry["booking_sn"]


def test_order_detail_default_and_optional_fields(sb: SandboxHandle, shop: tuple[int, str]) -> None:
    now = sb.now()
    sns = sb.world.orders_updated_between(shop[0], now - DAY, now)[:50]
    plain = get(sb, shop, DETAIL, order_sn_list=",".join(sns)).json()
    assert plain["error"] == "" and len(plain["response"]["order_list"]) == 50
    defaults = {
        "order_sn",
        "region",
        "currency",
        "cod",
        "order_status",
        "message_to_seller",
        "create_time",
        "update_time",
        "days_to_ship",
        "ship_by_date",
        "booking_sn",
        "advance_package",
    }
    assert all(set(o) == defaults for o in plain["response"]["order_list"])
    rich = get(
        sb,
        shop,
        DETAIL,
        order_sn_list=",".join(sns),
        response_optional_fields="item_list,package_list,total_amount,recipient_address,edt",
    ).json()
    for order in rich["response"]["order_list"]:
        assert set(order) == defaults | {
            "item_list",
            "package_list",
            "total_amount",
            "recipient_address",
            "edt_from",
            "edt_to",
        }
        full = sb.world.order_detail(shop[0], order["order_sn"])
        assert order["item_list"] == full["item_list"] and order["package_list"] == full["package_list"]
    too_many = get(
        sb, shop, DETAIL, order_sn_list=",".join(sb.world.orders_updated_between(shop[0], 0, now)[:51])
    )
    assert too_many.status_code == 400 and too_many.json()["error"] == "error_param"
    partial = get(sb, shop, DETAIL, order_sn_list=f"{sns[0]},NOSUCHORDER").json()
    assert [o["order_sn"] for o in partial["response"]["order_list"]] == [sns[0]]
    assert isinstance(partial["warning"], list) and "NOSUCHORDER" in partial["warning"][0]


def test_unknown_order_sn_can_fail_the_whole_call() -> None:
    config = SandboxConfig(
        shops=1,
        orders_per_shop_per_day=20,
        history_days=1,
        unknown_order_sn="error",
        start_time=SANDBOX_START,
    )
    with start_sandbox(config) as other:
        token = connect(other, other.shop_ids[0])["access_token"]
        sn = other.world.orders_updated_between(other.shop_ids[0], 0, other.now())[0]
        answer = call(
            other,
            "GET",
            DETAIL,
            shop_id=other.shop_ids[0],
            token=token,
            params={"order_sn_list": f"{sn},NOPE"},
        )
        assert answer.json()["error"] == "error_not_found"


# -- escrow, logistics, bookings -------------------------------------------------------------------


def test_escrow_batch_is_post_only_and_answers_an_array(sb: SandboxHandle, shop: tuple[int, str]) -> None:
    now = sb.now()
    sns = sb.world.orders_updated_between(shop[0], now - DAY, now)[:20]
    answer = call(
        sb, "POST", ESCROW_BATCH, shop_id=shop[0], token=shop[1], body={"order_sn_list": [*sns, "NOPE"]}
    )
    entries = answer.json()["response"]
    assert isinstance(entries, list) and len(entries) == 21
    for sn, entry in zip(sns, entries, strict=False):
        assert entry["escrow_detail"] == sb.world.escrow_detail(shop[0], sn)
    assert entries[-1]["fail_error"] == "order_not_found"
    refused = get(sb, shop, ESCROW_BATCH, order_sn_list=",".join(sns))
    assert refused.json()["error"] == "error_param"
    assert refused.json()["message"] == "order_sn_list is required, format should be string[]"
    over = call(sb, "POST", ESCROW_BATCH, shop_id=shop[0], token=shop[1], body={"order_sn_list": ["A"] * 51})
    assert over.json()["error"] == "exceed_max_limit"
    single = get(sb, shop, "/api/v2/payment/get_escrow_detail", order_sn=sns[0]).json()
    assert single["response"] == sb.world.escrow_detail(shop[0], sns[0])
    all_sns = sb.world.orders_updated_between(shop[0], 0, now)
    assert any(sb.world.escrow_detail(shop[0], sn)["order_income"]["escrow_amount"] == 0 for sn in all_sns)


def test_tracking_numbers_single_and_mass(sb: SandboxHandle, shop: tuple[int, str]) -> None:
    now = sb.now()
    details = [
        sb.world.order_detail(shop[0], sn)
        for sn in sb.world.orders_updated_between(shop[0], now - 2 * DAY, now)
    ]
    shipped = next(d for d in details if d["order_status"] == "SHIPPED" and len(d["package_list"]) == 1)
    unpaid = next(d for d in details if d["order_status"] in ("UNPAID", "READY_TO_SHIP"))
    split = next(d for d in details if len(d["package_list"]) == 2)
    one = get(sb, shop, "/api/v2/logistics/get_tracking_number", order_sn=shipped["order_sn"]).json()[
        "response"
    ]
    assert one["tracking_number"] == sb.world.tracking_number(
        shop[0], shipped["order_sn"], shipped["package_list"][0]["package_number"]
    )
    assert one["tracking_number"]
    no_package = get(sb, shop, "/api/v2/logistics/get_tracking_number", order_sn=split["order_sn"]).json()
    assert no_package["error"] == "logistics.package_number_not_exist"
    missing = get(sb, shop, "/api/v2/logistics/get_tracking_number", order_sn="NOPE").json()
    assert missing["error"] == "logistics.invalid_error"
    packages = [
        shipped["package_list"][0]["package_number"],
        unpaid["package_list"][0]["package_number"],
        "OFG0",
    ]
    mass = call(
        sb,
        "POST",
        "/api/v2/logistics/get_mass_tracking_number",
        shop_id=shop[0],
        token=shop[1],
        body={"package_list": [{"package_number": p} for p in packages]},
    ).json()["response"]
    assert [s["package_number"] for s in mass["success_list"]] == packages[:1]
    assert mass["success_list"][0]["tracking_number"] == one["tracking_number"]
    assert sorted(f["package_number"] for f in mass["fail_list"]) == sorted(packages[1:])
    too_many = call(
        sb,
        "POST",
        "/api/v2/logistics/get_mass_tracking_number",
        shop_id=shop[0],
        token=shop[1],
        body={"package_list": [{"package_number": "X"}] * 51},
    )
    assert too_many.json()["error"] == "error_param"
    detail = get(sb, shop, "/api/v2/order/get_package_detail", package_number_list=packages[0]).json()[
        "response"
    ]
    assert detail["package_list"][0]["tracking_number"] == one["tracking_number"]


def test_booking_list_and_detail(sb: SandboxHandle, shop: tuple[int, str]) -> None:
    now = sb.now()
    expected = sb.world.bookings_updated_between(shop[0], now - 5 * DAY, now)
    got: list[dict[str, Any]] = []
    cursor = ""
    while True:
        answer = get(
            sb,
            shop,
            "/api/v2/order/get_booking_list",
            time_range_field="update_time",
            time_from=now - 5 * DAY,
            time_to=now,
            page_size=7,
            cursor=cursor,
        ).json()["response"]
        got += answer["booking_list"]
        if not answer["more"]:
            break
        cursor = answer["next_cursor"]
    assert [b["booking_sn"] for b in got] == expected
    sns = ",".join(b["booking_sn"] for b in got[:50])
    details = get(
        sb,
        shop,
        "/api/v2/order/get_booking_detail",
        booking_sn_list=sns,
        response_optional_fields="item_list",
    ).json()["response"]["booking_list"]
    for entry, detail in zip(got[:50], details, strict=True):
        assert detail["booking_status"] == entry["booking_status"] and detail["item_list"]
        assert "recipient_address" not in detail
        assert (detail["order_sn"] != "") == (detail["booking_status"] == "MATCHED")


# -- faults, counts, control ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rate_limit", "error_server", "http_500", "drop", "stall"])
def test_each_fault_kind_at_rate_one(kind: str) -> None:
    config = SandboxConfig(
        shops=1,
        orders_per_shop_per_day=5,
        history_days=1,
        stall_seconds=0.3,
        fault_rate=1.0,
        fault_kinds=(kind,),
        start_time=SANDBOX_START,
    )
    with start_sandbox(config) as other:
        started = time.monotonic()
        try:
            answer = requests.get(other.url + LIST, timeout=5)
        except requests.ConnectionError:
            assert kind == "drop"
        else:
            assert kind != "drop"
            if kind == "rate_limit":
                assert (answer.status_code, answer.json()["error"]) == (429, "error_rate_limit")
            elif kind == "error_server":
                assert (answer.status_code, answer.json()["error"]) == (500, "error_server")
            elif kind == "http_500":
                assert answer.status_code == 500 and not answer.headers["Content-Type"].startswith(
                    "application/json"
                )
            else:
                assert time.monotonic() - started >= 0.3 and answer.json()["error"] == "error_param"
        assert other.fault_counts() == {kind: 1, "total": 1}
        assert other.call_counts() == {LIST: 1, "total": 1}
        assert requests.get(other.url + "/_sandbox/now", timeout=5).json()["now"] == other.now()
        assert other.call_counts()["total"] == 1


def test_per_shop_rate_limit() -> None:
    config = SandboxConfig(
        shops=1,
        orders_per_shop_per_day=5,
        history_days=1,
        shop_rate_limit_per_second=3,
        start_time=SANDBOX_START,
    )
    with start_sandbox(config) as other:
        token = connect(other, other.shop_ids[0])["access_token"]
        errors = [
            call(
                other, "GET", DETAIL, shop_id=other.shop_ids[0], token=token, params={"order_sn_list": "A"}
            ).json()["error"]
            for _ in range(6)
        ]
        assert errors.count("error_rate_limit") >= 2 and errors[0] == ""
        assert other.fault_counts()["shop_rate_limit"] >= 2


def test_latency_and_set_faults(sb: SandboxHandle) -> None:
    sb.set_faults(latency_ms=150)
    try:
        started = time.monotonic()
        requests.get(sb.url + LIST, timeout=5)
        assert time.monotonic() - started >= 0.15
    finally:
        sb.set_faults(latency_ms=0)


def test_call_counts_and_control_endpoints(sb: SandboxHandle, shop: tuple[int, str]) -> None:
    sb.reset_call_counts()
    get(sb, shop, DETAIL, order_sn_list="A")
    get(sb, shop, DETAIL, order_sn_list="B")
    assert sb.call_counts() == {DETAIL: 2, "total": 2}
    calls = requests.get(sb.url + "/_sandbox/calls", timeout=5).json()
    assert calls["calls"] == {DETAIL: 2, "total": 2} and calls["faults"] == {"total": 0}
    requests.post(sb.url + "/_sandbox/calls/reset", timeout=5)
    assert sb.call_counts() == {"total": 0}
    shops = requests.get(sb.url + "/_sandbox/shops", timeout=5).json()
    assert shops == {"partner_id": sb.partner_id, "shop_ids": sb.shop_ids, "now": sb.now()}
    code = requests.post(sb.url + "/_sandbox/authorize", json={"shop_id": sb.shop_ids[1]}, timeout=5).json()
    assert code["shop_id"] == sb.shop_ids[1] and code["code"]
    faults = requests.post(sb.url + "/_sandbox/faults", json={"latency_ms": 0, "fault_rate": 0.0}, timeout=5)
    assert faults.json()["fault_rate"] == 0.0
    assert requests.post(sb.url + "/_sandbox/faults", json={"bogus": 1}, timeout=5).status_code == 400
    assert requests.get(sb.url + "/_sandbox/nothing", timeout=5).status_code == 404
    assert sb.call_counts() == {"total": 0}


def test_advancing_the_clock_changes_orders() -> None:
    with start_sandbox(
        SandboxConfig(shops=1, seed=3, orders_per_shop_per_day=200, history_days=2, start_time=SANDBOX_START)
    ) as sb:
        shop = (sb.shop_ids[0], connect(sb, sb.shop_ids[0])["access_token"])
        before_now = sb.now()
        sns = sb.world.orders_updated_between(shop[0], before_now - DAY, before_now)[:50]
        before = {sn: sb.world.order_detail(shop[0], sn)["order_status"] for sn in sns}
        answer = requests.post(sb.url + "/_sandbox/advance", json={"seconds": 2 * DAY}, timeout=30).json()
        assert answer["now"] == sb.now() >= before_now + 2 * DAY
        # tokens live on the simulated clock: two days later the shop's access token has expired
        assert get(sb, shop, DETAIL, order_sn_list=sns[0]).json()["error"] == "invalid_acceess_token"
        fresh = (shop[0], connect(sb, shop[0])["access_token"])
        after = get(sb, fresh, DETAIL, order_sn_list=",".join(sns)).json()["response"]["order_list"]
        assert sum(o["order_status"] != before[o["order_sn"]] for o in after) > 10
        assert json.loads(requests.get(sb.url + "/_sandbox/now", timeout=5).text)["now"] == sb.now()
        # The clock set to an instant: forward only, one line when asked to go back.
        target = sb.now() + HOUR
        moved = requests.post(sb.url + "/_sandbox/clock", json={"now": target}, timeout=30)
        assert moved.json() == {"now": target} and sb.now() == target
        back = requests.post(sb.url + "/_sandbox/clock", json={"now": target - 1}, timeout=5)
        assert back.status_code == 400 and "only moves forward" in back.json()["error"]
        assert requests.post(sb.url + "/_sandbox/clock", json={"now": "soon"}, timeout=5).status_code == 400
