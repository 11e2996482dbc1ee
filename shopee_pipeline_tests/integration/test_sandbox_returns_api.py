"""The sandbox's returns over HTTP: get_return_list and get_return_detail signed by hand, push 29,
escrow after ACCEPTED and the ground truth."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from shopee_pipeline.sandbox import SandboxConfig, SandboxHandle, start_sandbox
from shopee_pipeline_tests.integration.test_sandbox_api import call, connect
from shopee_pipeline_tests.integration.test_sandbox_pushes import Receiver
from shopee_pipeline_tests.pinned_clock import SANDBOX_START

DAY = 86400
LIST = "/api/v2/returns/get_return_list"
DETAIL = "/api/v2/returns/get_return_detail"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "returns"
PUSH_KEY = "returns-push-key"

Shop = tuple[int, str]


def config(**overrides: Any) -> SandboxConfig:
    settings: dict[str, Any] = {
        "shops": 2,
        "seed": 11,
        "orders_per_shop_per_day": 150,
        "history_days": 10,
        "start_time": SANDBOX_START,
    }
    settings.update(overrides)
    return SandboxConfig(**settings)


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with start_sandbox(config()) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def shop(sb: SandboxHandle) -> Shop:
    return sb.shop_ids[0], connect(sb, sb.shop_ids[0])["access_token"]


@pytest.fixture
def sandbox_with() -> Iterator[Callable[..., tuple[SandboxHandle, Shop]]]:
    """Start a one-shop sandbox with other settings (stopped after the test)."""
    started: list[SandboxHandle] = []

    def start(**overrides: Any) -> tuple[SandboxHandle, Shop]:
        handle = start_sandbox(config(shops=1, **overrides))
        started.append(handle)
        return handle, (handle.shop_ids[0], connect(handle, handle.shop_ids[0])["access_token"])

    yield start
    for handle in started:
        handle.stop()


def get(sb: SandboxHandle, shop: Shop, path: str, **params: Any) -> dict[str, Any]:
    return call(sb, "GET", path, shop_id=shop[0], token=shop[1], params=params).json()


def window(sb: SandboxHandle, days: int = 15) -> dict[str, int]:
    return {"update_time_from": sb.now() - days * DAY, "update_time_to": sb.now()}


def all_pages(sb: SandboxHandle, shop: Shop, first: int, page_size: int, **params: Any) -> list[dict]:
    entries, page_no, more = [], first, True
    while more:
        body = get(sb, shop, LIST, page_no=page_no, page_size=page_size, **params)
        assert body["error"] == "" and set(body["response"]) == {"more", "return"}, body
        entries += body["response"]["return"]
        more, page_no = body["response"]["more"], page_no + 1
    return entries


def in_window(sb: SandboxHandle, shop_id: int, params: dict[str, int]) -> list[dict]:
    return [
        r
        for r in sb.world.returns_now(shop_id)
        if params["update_time_from"] <= r["update_time"] <= params["update_time_to"]
    ]


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())["response"]


# -- get_return_list --------------------------------------------------------------------------------


def test_pages_from_one_cover_the_window_newest_update_first(sb: SandboxHandle, shop: Shop) -> None:
    params = window(sb)
    expected = in_window(sb, shop[0], params)
    assert len(expected) > 25
    got = all_pages(sb, shop, 1, 10, **params)
    assert sorted(r["return_sn"] for r in got) == sorted(r["return_sn"] for r in expected)
    assert len({r["return_sn"] for r in got}) == len(got)
    keys = [(r["update_time"], r["return_sn"]) for r in got]
    assert keys == sorted(keys, reverse=True)
    # page_no=0 on a 1-based server serves page 1 by default
    zero = get(sb, shop, LIST, page_no=0, page_size=10, **params)["response"]["return"]
    assert zero == got[:10]
    assert sb.call_counts()[LIST] >= len(got) // 10 + 2


def test_page_base_zero_and_page_zero_refused(
    sandbox_with: Callable[..., tuple[SandboxHandle, Shop]],
) -> None:
    zero_based, shop = sandbox_with(return_page_no_base=0)
    params = window(zero_based)
    got = all_pages(zero_based, shop, 0, 7, **params)
    assert sorted(r["return_sn"] for r in got) == sorted(
        r["return_sn"] for r in in_window(zero_based, shop[0], params)
    )
    assert get(zero_based, shop, LIST, page_no=1, page_size=7, **params)["response"]["return"] == got[7:14]
    refused = get(zero_based, shop, LIST, page_no=-1, page_size=7, **params)
    assert refused["error"] == "error_param"
    strict, strict_shop = sandbox_with(return_page_no_zero="error")
    answer = get(strict, strict_shop, LIST, page_no=0, page_size=7, **window(strict))
    assert answer["error"] == "error_param" and "page_no" in answer["message"]
    assert get(strict, strict_shop, LIST, page_no=1, page_size=7, **window(strict))["error"] == ""


def test_window_and_paging_errors_use_shopees_texts(sb: SandboxHandle, shop: Shop) -> None:
    now = sb.now()

    def error(**params: Any) -> tuple[str, str]:
        body = get(sb, shop, LIST, **{"page_no": 1, "page_size": 10, **params})
        return body["error"], body["message"]

    param = "error_param"
    assert error(create_time_from=now - 16 * DAY, create_time_to=now) == (
        param,
        "The period between create_time_from and created_time_of must not more than 15 days.",
    )
    assert error(create_time_from=now, create_time_to=now) == (
        param,
        "The create_time_to should be later than create_time_from.",
    )
    assert error(update_time_from=now - 16 * DAY, update_time_to=now) == (
        param,
        "The period between update_time_from and update_time_to must not more than 15 days.",
    )
    assert error(update_time_from=now, update_time_to=now - 1) == (
        param,
        "The update_time_to should be later than update_time_from.",
    )
    both = {"create_time_from": now - 5 * DAY, "create_time_to": now, "update_time_to": now}
    assert error(**both, update_time_from=now - 6 * DAY) == (
        param,
        "The update_time_from must be after create_time_from.",
    )
    assert error(**both, update_time_from=now - 5 * DAY)[0] == ""  # equal is allowed
    assert error()[0] == param  # no window at all
    assert error(update_time_from=now - DAY)[0] == param  # half a window
    assert error(page_size=101, **window(sb))[0] == param
    assert error(page_size=0, **window(sb))[0] == param
    assert get(sb, shop, LIST, page_size=10, **window(sb))["message"] == "page_no is required."


def test_filters_match_exactly(sb: SandboxHandle, shop: Shop) -> None:
    params = window(sb)
    expected = in_window(sb, shop[0], params)
    for name in ("status", "negotiation_status", "seller_proof_status", "seller_compensation_status"):
        for value in {r[name] for r in expected}:
            got = all_pages(sb, shop, 1, 100, **params, **{name: value})
            assert sorted(r["return_sn"] for r in got) == sorted(
                r["return_sn"] for r in expected if r[name] == value
            )
    assert all_pages(sb, shop, 1, 100, **params, status="accepted") == []


@pytest.mark.parametrize(
    ("sort", "field", "descending"),
    [("update_time_asc", "update_time", False), ("create_time_desc", "create_time", True)],
)
def test_sort_options(
    sandbox_with: Callable[..., tuple[SandboxHandle, Shop]], sort: str, field: str, descending: bool
) -> None:
    handle, shop = sandbox_with(return_list_sort=sort)
    got = all_pages(handle, shop, 1, 9, **window(handle))
    keys = [(r[field], r["return_sn"]) for r in got]
    assert len(keys) > 9 and keys == sorted(keys, reverse=descending)


def test_window_rules_can_be_relaxed_or_tightened(
    sandbox_with: Callable[..., tuple[SandboxHandle, Shop]],
) -> None:
    open_list, shop = sandbox_with(return_list_window_required=False)
    got = all_pages(open_list, shop, 1, 100)
    assert sorted(r["return_sn"] for r in got) == sorted(
        r["return_sn"] for r in open_list.world.returns_now(shop[0])
    )
    single, single_shop = sandbox_with(return_list_combine_windows=False)
    now = single.now()
    both = {"create_time_from": now - 5 * DAY, "create_time_to": now, **window(single, 5)}
    assert get(single, single_shop, LIST, page_no=1, page_size=10, **both)["error"] == "error_param"


def test_list_entries_have_every_key_of_the_official_sample(sb: SandboxHandle, shop: Shop) -> None:
    sample = fixture("get_return_list.json")["return"][0]
    entries = all_pages(sb, shop, 1, 100, **window(sb))
    for entry in entries:
        assert set(sample) <= set(entry) and "reassessed_request_reason" in entry
        assert set(sample["user"]) <= set(entry["user"])
        assert all(set(sample["item"][0]) <= set(item) for item in entry["item"])
        assert isinstance(entry["return_sn"], str) and isinstance(entry["refund_amount"], float)
        assert isinstance(entry["dispute_reason"], list) and isinstance(entry["dispute_text_reason"], list)
        assert entry["seller_compensation_status"].startswith("COMPENSATION_")  # prefixed by default


# -- get_return_detail ------------------------------------------------------------------------------


def test_detail_has_every_key_of_the_official_sample(sb: SandboxHandle, shop: Shop) -> None:
    sample = fixture("get_return_detail.json")
    entries = sb.world.returns_now(shop[0])
    for entry in entries[:40]:
        body = get(sb, shop, DETAIL, return_sn=entry["return_sn"])
        assert body["error"] == "" and body["message"] == ""
        detail = body["response"]
        assert set(sample) <= set(detail), set(sample) - set(detail)
        for nested in ("negotiation", "seller_proof", "seller_compensation", "return_pickup_address", "user"):
            assert set(sample[nested]) <= set(detail[nested]), nested
        assert all(set(sample["item"][0]) <= set(item) for item in detail["item"])
        assert not {"negotiation_status", "seller_proof_status", "seller_compensation_status"} & set(detail)
        assert (
            detail["reverse_logistics_status"]
            == detail["reverse_logistic_status"]
            == detail["logistics_status"]
        )
        assert detail["reverse_logistics_channel_name"] == detail["reverse_logistic_channel_name"]
        assert detail["status"] == entry["status"] and detail["update_time"] == entry["update_time"]
        assert (
            detail["seller_compensation"]["seller_compensation_status"] == entry["seller_compensation_status"]
        )
    assert sb.call_counts()[DETAIL] >= 40


def test_unknown_or_foreign_return_sn_is_refused(sb: SandboxHandle, shop: Shop) -> None:
    foreign = sb.world.returns_now(sb.shop_ids[1])[0]["return_sn"]
    for sn in ("251118XXXXXXXXX", foreign):
        body = get(sb, shop, DETAIL, return_sn=sn)
        assert (body["error"], body["message"]) == ("error_data", "The return you queried doesn't exist.")
    assert get(sb, shop, DETAIL)["error"] == "error_param"


@pytest.mark.parametrize("spelling", ["reverse_logistics_status", "reverse_logistic_status"])
def test_one_reverse_logistics_spelling(
    sandbox_with: Callable[..., tuple[SandboxHandle, Shop]], spelling: str
) -> None:
    handle, shop = sandbox_with(return_reverse_logistics_spelling=spelling)
    stem, other = (
        spelling.rsplit("_", 1)[0],
        {"reverse_logistics": "reverse_logistic"}.get(spelling.rsplit("_", 1)[0], "reverse_logistics"),
    )
    sn = handle.world.returns_now(shop[0])[0]["return_sn"]
    detail = get(handle, shop, DETAIL, return_sn=sn)["response"]
    assert f"{stem}_status" in detail and f"{stem}_channel_name" in detail
    assert f"{other}_status" not in detail and f"{other}_channel_name" not in detail


def test_unprefixed_compensation_dash_envelope_and_another_unknown_error(
    sandbox_with: Callable[..., tuple[SandboxHandle, Shop]],
) -> None:
    handle, shop = sandbox_with(
        return_compensation_prefixed=False,
        return_success_error_text="-",
        unknown_return_sn_error=("error_param", "Return SN or ID is invalid."),
    )
    body = get(handle, shop, LIST, page_no=1, page_size=100, **window(handle))
    assert body["error"] == body["message"] == "-"
    statuses = {r["seller_compensation_status"] for r in body["response"]["return"]}
    assert statuses and not any(s.startswith("COMPENSATION_") for s in statuses)
    value = sorted(statuses)[0]
    filtered = get(
        handle, shop, LIST, page_no=1, page_size=100, seller_compensation_status=value, **window(handle)
    )
    assert filtered["response"]["return"] and all(
        r["seller_compensation_status"] == value for r in filtered["response"]["return"]
    )
    missing = get(handle, shop, DETAIL, return_sn="NOPE")
    assert (missing["error"], missing["message"]) == ("error_param", "Return SN or ID is invalid.")


# -- push 29, escrow, truth -------------------------------------------------------------------------


def test_push_29_is_delivered_signed() -> None:
    receiver = Receiver()
    try:
        with start_sandbox(config(shops=1, push_url=receiver.url, push_key=PUSH_KEY)) as handle:
            handle.advance(DAY)
            returns = [
                (authorization, raw)
                for authorization, raw in receiver.received
                if json.loads(raw)["code"] == 29
            ]
            assert returns
            for authorization, raw in returns:
                expected = hmac.new(PUSH_KEY.encode(), receiver.url.encode() + b"|" + raw, hashlib.sha256)
                assert authorization == expected.hexdigest()
                push = json.loads(raw)
                assert set(push) == {"msg_id", "shop_id", "code", "timestamp", "data"}
                data = push["data"]
                assert set(data) == {"return_sn", "order_sn", "update_time", "updated_values"}
                detail = handle.world.return_detail(push["shop_id"], data["return_sn"])
                assert detail["order_sn"] == data["order_sn"] and detail["update_time"] >= data["update_time"]
    finally:
        receiver.close()


def test_escrow_shows_the_refund_once_accepted_and_the_order_stays_as_it_was(
    sandbox_with: Callable[..., tuple[SandboxHandle, Shop]],
) -> None:
    handle, shop = sandbox_with(return_rate=0.3, history_days=8)
    pending = {
        r["return_sn"]: r
        for r in handle.world.returns_now(shop[0])
        if r["return_refund_type"] == "RRAOC" and r["status"] in ("REQUESTED", "PROCESSING")
    }
    assert pending
    before = {
        r["order_sn"]: get(handle, shop, "/api/v2/payment/get_escrow_detail", order_sn=r["order_sn"])[
            "response"
        ]
        for r in pending.values()
    }
    orders_before = {sn: handle.world.order_detail(shop[0], sn) for sn in before}
    seen = 0
    for _ in range(20):
        handle.advance(DAY / 2)
        shop = (shop[0], connect(handle, shop[0])["access_token"])  # the old token expired meanwhile
        for sn, r in list(pending.items()):
            now = get(handle, shop, DETAIL, return_sn=sn)["response"]
            if now["status"] != "ACCEPTED":
                continue
            del pending[sn]
            siblings = [x for x in handle.world.returns_now(shop[0]) if x["order_sn"] == r["order_sn"]]
            if len(siblings) > 1:
                continue  # two returns of one order: their refunds add up, checked by the unit tests
            batch = call(
                handle,
                "POST",
                "/api/v2/payment/get_escrow_detail_batch",
                shop_id=shop[0],
                token=shop[1],
                body={"order_sn_list": [r["order_sn"]]},
            ).json()["response"][0]["escrow_detail"]
            old = before[r["order_sn"]]
            assert batch["return_order_sn_list"] == [sn] and old["return_order_sn_list"] == []
            assert batch["order_income"]["seller_return_refund"] == -now["refund_amount"]
            assert (
                batch["order_income"]["escrow_amount"]
                == old["order_income"]["escrow_amount"] - now["refund_amount"]
            )
            # RRAOC: the order itself, update_time included, does not change
            assert handle.world.order_detail(shop[0], r["order_sn"]) == orders_before[r["order_sn"]]
            seen += 1
    assert seen


def test_truth_lists_returns_and_returned_escrow(sb: SandboxHandle) -> None:
    body = requests.get(f"{sb.url}/_sandbox/truth", timeout=30).json()
    for shop_truth in body["shops"]:
        shop_id = shop_truth["shop_id"]
        world = sb.world.returns_now(shop_id)
        assert [r["return_sn"] for r in shop_truth["returns"]] == [r["return_sn"] for r in world]
        for truth, entry in zip(shop_truth["returns"], world, strict=True):
            assert set(truth) == {"return_sn", "order_sn", "status", "update_time", "refund_amount", "items"}
            assert (truth["status"], truth["update_time"], truth["refund_amount"]) == (
                entry["status"],
                entry["update_time"],
                entry["refund_amount"],
            )
            assert truth["items"] == [
                {k: i[k] for k in ("item_id", "model_id", "amount", "item_price")} for i in entry["item"]
            ]
        accepted = sorted({r["order_sn"] for r in world if r["status"] == "ACCEPTED"})
        assert accepted and [e["order_sn"] for e in shop_truth["returned_escrow"]] == accepted
        for entry in shop_truth["returned_escrow"]:
            escrow = sb.world.escrow_detail(shop_id, entry["order_sn"])
            assert entry["escrow_amount"] == escrow["order_income"]["escrow_amount"]
            assert entry["return_order_sn_list"] == escrow["return_order_sn_list"] != []
