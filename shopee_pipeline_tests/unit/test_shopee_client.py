"""ShopeeClient logic on a fake Shopee: token refresh rules and tolerance of the unconfirmed shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from shopee_pipeline.shopee import InMemoryTokenStore, ShopeeClient, ShopeeConfig, ShopTokens, TokenError
from shopee_pipeline.shopee.endpoints import ListEndpoint, Pager
from shopee_pipeline.sync.fetch import ORDER_DETAIL, ORDER_LIST
from shopee_pipeline.sync.streams import BOOKINGS

NOW = 1_800_000_000
SHOP = 77


def ok(response: Any = None, **top: Any) -> tuple[int, dict]:
    return 200, {"request_id": "r", "error": "", "message": "", "response": response, **top}


class FakeShopee:
    """Routes requests by path to ``routes[path](query, body)``; records (path, query, body)."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.calls: list[tuple[str, dict, Any]] = []

    def request(self, method: str, url: str, params: dict, json: Any = None, timeout: Any = None) -> Any:
        path = urlsplit(url).path
        query = {k: str(v) for k, v in params.items()}
        self.calls.append((path, query, json))
        status, payload = self.routes[path](query, json)
        r = requests.Response()
        r.status_code = status
        r._content = __import__("json").dumps(payload).encode()
        return r

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.calls]


def make_client(
    routes: dict[str, Any], expires_in: float = 3600, **overrides: Any
) -> tuple[ShopeeClient, FakeShopee, InMemoryTokenStore]:
    store = InMemoryTokenStore()
    now = datetime.fromtimestamp(NOW, UTC)
    store.save(
        SHOP,
        ShopTokens(
            "old-access", "old-refresh", now + timedelta(seconds=expires_in), now + timedelta(days=30)
        ),
    )
    config = ShopeeConfig(partner_id=1, partner_key="unit-partner-key", base_url="http://fake", **overrides)
    client = ShopeeClient(config, store, clock=lambda: NOW, sleep=lambda s: None)
    fake = FakeShopee(routes)
    client._transport._session = fake  # type: ignore[assignment]
    return client, fake, store


def refresh_route(query: dict, body: dict) -> tuple[int, dict]:
    assert body["refresh_token"] == "old-refresh"
    return 200, {
        "request_id": "r",
        "error": "",
        "access_token": "new-access",
        "refresh_token": "new-refresh",
        "expire_in": 14400,
    }


REFRESH = "/api/v2/auth/access_token/get"


def test_proactive_refresh_when_under_five_minutes_left() -> None:
    client, fake, store = make_client(
        {
            REFRESH: refresh_route,
            ORDER_LIST.path: lambda q, b: ok({"order_list": [], "more": False, "next_cursor": ""}),
        },
        expires_in=299,
    )
    list(client.iter_list(ORDER_LIST, SHOP, NOW - 100, NOW))
    assert fake.paths() == [REFRESH, ORDER_LIST.path]
    assert fake.calls[1][1]["access_token"] == "new-access"
    stored = store.load(SHOP)
    assert stored and stored.refresh_token == "new-refresh"
    assert stored.access_token_expires_at == datetime.fromtimestamp(NOW + 14400, UTC)
    assert client.stats.snapshot().refreshes == 1


def test_refused_token_refreshes_once_and_retries_once() -> None:
    def order_list(query: dict, body: Any) -> tuple[int, dict]:
        if query["access_token"] == "old-access":
            return 403, {
                "request_id": "r",
                "error": "invalid_acceess_token",
                "message": "Invalid access_token",
            }
        return ok({"order_list": [{"order_sn": "A"}], "more": False, "next_cursor": ""})

    client, fake, _ = make_client({REFRESH: refresh_route, ORDER_LIST.path: order_list})
    assert list(client.iter_list(ORDER_LIST, SHOP, NOW - 100, NOW)) == [[{"order_sn": "A"}]]
    assert fake.paths() == [ORDER_LIST.path, REFRESH, ORDER_LIST.path]


def test_refused_twice_raises_token_error() -> None:
    refused = (403, {"request_id": "r", "error": "error_auth", "message": "Invalid access_token."})
    client, fake, _ = make_client({REFRESH: refresh_route, ORDER_LIST.path: lambda q, b: refused})
    with pytest.raises(TokenError):
        list(client.iter_list(ORDER_LIST, SHOP, NOW - 100, NOW))
    assert fake.paths() == [ORDER_LIST.path, REFRESH, ORDER_LIST.path]


def test_order_list_pages_windows_and_duplicates() -> None:
    pages = {
        "": (
            {
                "order_list": [{"order_sn": "A"}, {"order_sn": "B"}, {"order_sn": "A"}],
                "more": True,
                "next_cursor": "c1",
            }
        ),
        "c1": ({"order_list": [{"order_sn": "B"}, {"order_sn": "C"}], "more": False, "next_cursor": ""}),
    }
    client, fake, _ = make_client({ORDER_LIST.path: lambda q, b: ok(pages[q.get("cursor", "")])})
    result = list(client.iter_list(ORDER_LIST, SHOP, NOW - 20 * 86400, NOW))
    # Two 15-day windows, two pages each; every SN once.
    assert [[o["order_sn"] for o in page] for page in result] == [["A", "B"], ["C"]]
    windows = [(q["time_from"], q["time_to"]) for _, q, _ in fake.calls]
    assert len(fake.calls) == 4 and len(set(windows)) == 2
    assert all(q["response_optional_fields"] == "order_status" for _, q, _ in fake.calls)


def test_booking_list_reads_next_cursor_inside_the_last_entry() -> None:
    pages = {
        "": {"booking_list": [{"booking_sn": "B1", "next_cursor": "n1"}], "more": True},
        "n1": {"booking_list": [{"booking_sn": "B2", "next_cursor": ""}], "more": False},
    }
    client, _, _ = make_client(
        {"/api/v2/order/get_booking_list": lambda q, b: ok(pages[q.get("cursor", "")])}
    )
    result = list(client.iter_list(BOOKINGS.list_endpoint, SHOP, NOW - 100, NOW))
    assert [[b["booking_sn"] for b in page] for page in result] == [["B1"], ["B2"]]


def test_order_details_batches_reports_missing_and_warnings() -> None:
    def detail(query: dict, body: Any) -> tuple[int, dict]:
        sns = query["order_sn_list"].split(",")
        assert len(sns) <= 50 and "item_list" in query["response_optional_fields"]
        return ok(
            {"order_list": [{"order_sn": sn, "new_field": 1} for sn in sns if sn != "S7"]},
            warning=["S7 missing"],
        )

    client, fake, _ = make_client({"/api/v2/order/get_order_detail": detail})
    result = client.get_details(ORDER_DETAIL, SHOP, [f"S{i}" for i in range(120)] + ["S1"])
    assert len(fake.calls) == 3 and len(result.items) == 119
    assert result.missing == ["S7"] and result.warnings == ["S7 missing"] * 3
    assert len(client.stats.snapshot().warnings) == 3


def test_whole_batch_not_found_is_split_to_isolate_the_unknown_sn() -> None:
    def detail(query: dict, body: Any) -> tuple[int, dict]:
        sns = query["order_sn_list"].split(",")
        if "BAD" in sns:
            return 404, {"request_id": "r", "error": "error_not_found", "message": "the order is not found."}
        return ok({"order_list": [{"order_sn": sn} for sn in sns]})

    client, _, _ = make_client({"/api/v2/order/get_order_detail": detail})
    result = client.get_details(ORDER_DETAIL, SHOP, ["A", "B", "BAD", "C"])
    assert sorted(o["order_sn"] for o in result.items) == ["A", "B", "C"]
    assert list(result.failed) == ["BAD"] and result.missing == []


@pytest.mark.parametrize("wrap", ["array", "escrow_detail_list"])
def test_escrow_batch_shapes_and_per_item_failures(wrap: str) -> None:
    def batch(query: dict, body: dict) -> tuple[int, dict]:
        entries: list[dict] = [
            {"escrow_detail": {"order_sn": sn, "order_income": {"escrow_amount": 1.5}}}
            for sn in body["order_sn_list"]
            if sn not in ("F", "M")
        ]
        entries.append(
            {"escrow_detail": {"order_sn": "F"}, "fail_error": "order_not_found", "fail_message": "invalid"}
        )
        return ok(entries if wrap == "array" else {"escrow_detail_list": entries})

    client, fake, _ = make_client({"/api/v2/payment/get_escrow_detail_batch": batch})
    result = client.get_escrow_details(SHOP, ["A", "F", "M", "B"])
    assert [e["order_sn"] for e in result.items] == ["A", "B"]
    assert result.failed == {"F": "order_not_found: invalid"} and result.missing == ["M"]
    assert fake.calls[0][2] == {"order_sn_list": ["A", "F", "M", "B"]}


def test_mass_tracking_numbers_with_fail_list() -> None:
    def mass(query: dict, body: dict) -> tuple[int, dict]:
        numbers = [p["package_number"] for p in body["package_list"]]
        return ok(
            {
                "success_list": [
                    {"package_number": n, "tracking_number": f"T-{n}"} for n in numbers if n != "P2"
                ],
                "fail_list": [{"package_number": "P2", "fail_reason": "not shipped"}],
            }
        )

    client, _, _ = make_client({"/api/v2/logistics/get_mass_tracking_number": mass})
    result = client.get_tracking_numbers(SHOP, ["P1", "P2", "P3"])
    assert result.numbers == {"P1": "T-P1", "P3": "T-P3"} and result.failed == {"P2": "not shipped"}


@pytest.mark.parametrize("as_string", [True, False])
def test_lost_push_data_as_string_or_object(as_string: bool) -> None:
    data = {"ordersn": "X", "status": "PROCESSED"}
    message = {"shop_id": SHOP, "code": 3, "timestamp": NOW, "data": json.dumps(data) if as_string else data}
    client, fake, _ = make_client(
        {
            "/api/v2/push/get_lost_push_message": lambda q, b: ok(
                {"push_message_list": [message], "has_next_page": False, "last_message_id": 9}
            ),
            "/api/v2/push/confirm_consumed_lost_push_message": lambda q, b: ok(),
        }
    )
    page = client.get_lost_push_messages()
    assert page.messages[0]["data"] == data and page.last_message_id == 9 and not page.has_next_page
    client.confirm_lost_push_messages(9)
    assert fake.calls[-1][2] == {"last_message_id": 9} and "access_token" not in fake.calls[-1][1]


ITEM_LIST = ListEndpoint(
    path="/api/v2/product/get_item_list",
    item_field="item",
    key_field="item_id",
    pager=Pager.OFFSET,
    time_from_param="update_time_from",
    time_to_param="update_time_to",
    time_range_field=None,
)
"""An offset-paged list, shaped as `get_item_list` (the catalogue's first offset pager)."""


def _offset_route(total: int, with_next_offset: bool) -> Any:
    """A list of `total` items served by `offset` and `page_size`, `has_next_page` while items remain,
    and `next_offset` when asked to carry it."""

    def route(query: dict, body: Any) -> tuple[int, dict]:
        offset, size = int(query["offset"]), int(query["page_size"])
        items = [{"item_id": i + 1} for i in range(offset, min(offset + size, total))]  # ids from 1
        response: dict[str, Any] = {"item": items, "has_next_page": offset + size < total}
        if with_next_offset:
            response["next_offset"] = offset + len(items)
        return ok(response)

    return route


@pytest.mark.parametrize("with_next_offset", [False, True], ids=["offset-plus-size", "next_offset"])
def test_the_offset_pager_reads_every_page_once(with_next_offset: bool) -> None:
    client, fake, _ = make_client({ITEM_LIST.path: _offset_route(250, with_next_offset)})
    pages = list(client.iter_list(ITEM_LIST, SHOP, NOW - 100, NOW, page_size=100))
    assert [len(page) for page in pages] == [100, 100, 50]
    assert [item["item_id"] for page in pages for item in page] == list(range(1, 251))
    assert [(q["offset"], q["page_size"]) for _, q, _ in fake.calls] == [
        ("0", "100"),
        ("100", "100"),
        ("200", "100"),
    ]
    assert {q["update_time_from"] for _, q, _ in fake.calls} == {str(NOW - 100)}


def test_the_offset_pager_stops_on_an_empty_page_that_says_more() -> None:
    client, fake, _ = make_client({ITEM_LIST.path: lambda q, b: ok({"item": [], "has_next_page": True})})
    assert list(client.iter_list(ITEM_LIST, SHOP, NOW - 100, NOW)) == []
    assert len(fake.calls) == 1
