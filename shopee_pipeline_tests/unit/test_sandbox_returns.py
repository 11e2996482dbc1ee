"""The sandbox's returns: determinism, no effect on orders, bookings and their pushes, the status machine,
push 29 and escrow effects, read through the world's public views."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from shopee_pipeline.sandbox.clock import SimClock
from shopee_pipeline.sandbox.config import SandboxConfig
from shopee_pipeline.sandbox.world import Event, World

START = 1764028800  # 2025-11-25 00:00 UTC
DAY = 86400
FOREVER = (0, 2**31)
ALLOWED = {
    "REQUESTED": {"PROCESSING", "ACCEPTED", "SELLER_DISPUTE", "CANCELLED"},
    "PROCESSING": {"ACCEPTED", "SELLER_DISPUTE", "CANCELLED"},
    "SELLER_DISPUTE": {"JUDGING"},
    "JUDGING": {"ACCEPTED", "CLOSED"},
}
"""The transitions the brief allows (docs/shopee-api-notes.md, Returns); ACCEPTED, CLOSED and
CANCELLED are left by none."""


def make_world(**overrides: object) -> World:
    settings: dict[str, object] = {"shops": 2, "seed": 7, "orders_per_shop_per_day": 150, "history_days": 8}
    settings.update(overrides)
    return World(SandboxConfig(start_time=START, **settings), SimClock(START))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


def returns_of(world: World) -> list[dict]:
    return [r for shop_id in world.shop_ids for r in world.returns_now(shop_id)]


def order_events(events: list[Event]) -> list[tuple[int, int, int, object]]:
    return [(e.time, e.shop_id, e.code, e.data) for e in events if e.code != 29]


def test_same_seed_same_returns_other_seed_other_returns(world: World) -> None:
    twin = make_world()
    assert returns_of(twin) == returns_of(world)
    for shop_id in world.shop_ids:
        for sn in [r["return_sn"] for r in world.returns_now(shop_id)]:
            assert twin.return_detail(shop_id, sn) == world.return_detail(shop_id, sn)
    later = world.now() + 5 * DAY
    assert [(e.time, e.data) for e in twin.sweep(later) if e.code == 29] == [
        (e.time, e.data) for e in make_world().sweep(later) if e.code == 29
    ]
    other = make_world(seed=8)
    assert {r["return_sn"] for r in returns_of(other)} != {r["return_sn"] for r in returns_of(world)}


def test_returns_leave_orders_bookings_and_their_pushes_unchanged() -> None:
    plain = make_world(return_rate=0.0, return_push=False, history_days=3)
    busy = make_world(return_rate=0.5, history_days=3)
    for w in (plain, busy):
        w.clock.advance(6 * DAY)
    assert len(returns_of(busy)) > len(returns_of(plain)) > 0
    for shop_id in plain.shop_ids:
        sns = plain.orders_updated_between(shop_id, *FOREVER)
        assert sns == busy.orders_updated_between(shop_id, *FOREVER)
        assert [plain.order_detail(shop_id, sn) for sn in sns] == [
            busy.order_detail(shop_id, sn) for sn in sns
        ]
        bookings = plain.bookings_updated_between(shop_id, *FOREVER)
        assert bookings == busy.bookings_updated_between(shop_id, *FOREVER)
        assert [plain.booking_detail(shop_id, sn) for sn in bookings] == [
            busy.booking_detail(shop_id, sn) for sn in bookings
        ]
    plain_events, busy_events = plain.sweep(plain.now()), busy.sweep(busy.now())
    assert not any(e.code == 29 for e in plain_events) and any(e.code == 29 for e in busy_events)
    assert order_events(plain_events) == order_events(busy_events)


def test_return_sn_items_money_and_kinds(world: World) -> None:
    entries = returns_of(world)
    assert len({r["return_sn"] for r in entries}) == len(entries)
    kinds = Counter(r["return_refund_type"] for r in entries)
    assert kinds["RRBOC"] and kinds["RRAOC"]
    per_order = Counter((r["order_sn"]) for r in entries)
    assert max(per_order.values()) == 2  # occasionally two return_sn for one order
    for shop_id in world.shop_ids:
        for r in world.returns_now(shop_id):
            assert re.fullmatch(r"\d{6}[0-9A-Z]{9}", r["return_sn"])
            order = world.order_detail(shop_id, r["order_sn"])
            lines = {(i["item_id"], i["model_id"]): i for i in order["item_list"]}
            value = 0.0
            for item in r["item"]:
                line = lines[(item["item_id"], item["model_id"])]
                assert 1 <= item["amount"] <= line["model_quantity_purchased"]
                assert isinstance(item["amount"], int) and item["name"] == line["item_name"]
                value += item["item_price"] * item["amount"]
            assert 0 < r["refund_amount"] <= value
            assert r["currency"] == order["currency"] == "IDR"
            assert r["create_time"] <= r["update_time"] <= world.now()
            if r["return_refund_type"] == "RRBOC":
                # raised while the order was TO_RETURN: the order's history reaches it
                assert order["item_list"][0]["return_requested_qty"] > 0
            else:
                assert order["order_status"] == "COMPLETED" and order["update_time"] < r["create_time"]


def test_status_machine_and_update_time_over_every_change() -> None:
    world = make_world(history_days=1, orders_per_shop_per_day=60)
    last: dict[str, tuple[str, int]] = {}
    for shop_id in world.shop_ids:
        for r in world.returns_now(shop_id):
            last[r["return_sn"]] = (r["status"], r["update_time"])
    events = [e for e in world.sweep(world.now() + 25 * DAY) if e.code == 29]
    assert len(events) > 100
    changes_after_accepted: dict[str, int] = defaultdict(int)
    accepted_at: dict[str, int] = {}
    for event in events:
        world.clock.advance(event.time - world.clock.now())
        detail = world.return_detail(event.shop_id, event.data["return_sn"])
        assert detail["update_time"] == event.time and event.data["order_sn"] == detail["order_sn"]
        previous = last.get(detail["return_sn"])
        if previous is None:
            assert detail["status"] == "REQUESTED" and detail["create_time"] == event.time
            assert event.data["updated_values"] == ["status"]
        else:
            status, update_time = previous
            assert event.time > update_time
            if detail["status"] != status:
                assert detail["status"] in ALLOWED.get(status, set()), (status, detail["status"])
                assert "status" in event.data["updated_values"]
                if detail["status"] == "ACCEPTED":
                    accepted_at[detail["return_sn"]] = event.time
            elif status == "ACCEPTED":
                changes_after_accepted[detail["return_sn"]] += 1
        last[detail["return_sn"]] = (detail["status"], event.time)
    final = Counter(status for status, _ in last.values())
    assert final["ACCEPTED"] and final["CLOSED"] and final["CANCELLED"]
    # an ACCEPTED return keeps changing (compensation): seen for those accepted 10 days before the end
    settled = [sn for sn, t in accepted_at.items() if t < events[-1].time - 10 * DAY]
    assert settled and all(changes_after_accepted[sn] >= 1 for sn in settled)


def test_rrboc_returns_are_accepted_before_the_order_completes() -> None:
    world = make_world(history_days=2)
    world.clock.advance(8 * DAY)
    seen = 0
    for shop_id in world.shop_ids:
        for r in world.returns_now(shop_id):
            if r["return_refund_type"] != "RRBOC":
                continue
            order = world.order_detail(shop_id, r["order_sn"])
            if order["order_status"] != "COMPLETED":
                assert order["order_status"] == "TO_RETURN"
                continue
            assert r["status"] == "ACCEPTED"
            escrow = world.escrow_detail(shop_id, r["order_sn"])
            assert escrow is not None and r["return_sn"] in escrow["return_order_sn_list"]
            seen += 1
    assert seen


def test_escrow_shows_accepted_returns_only(world: World) -> None:
    for shop_id in world.shop_ids:
        by_order: dict[str, list[dict]] = defaultdict(list)
        for r in world.returns_now(shop_id):
            by_order[r["order_sn"]].append(r)
        for order_sn, returns in by_order.items():
            escrow = world.escrow_detail(shop_id, order_sn)
            assert escrow is not None
            accepted = [r for r in returns if r["status"] == "ACCEPTED"]
            assert escrow["return_order_sn_list"] == [r["return_sn"] for r in accepted]
            refund = sum(r["refund_amount"] for r in accepted)
            assert escrow["order_income"]["seller_return_refund"] == -refund


@pytest.mark.parametrize(
    ("shape", "keys"),
    [
        ("full", {"return_sn", "order_sn", "update_time", "updated_values"}),
        ("return_sn_only", {"return_sn", "update_time", "updated_values"}),
        ("order_sn_only", {"order_sn", "update_time", "updated_values"}),
        ("no_keys", {"update_time", "updated_values"}),
    ],
)
def test_push_29_data_shapes(shape: str, keys: set[str]) -> None:
    world = make_world(history_days=2, return_push_data_shape=shape)
    world.clock.advance(3 * DAY)
    pushes = [e for e in world.sweep(world.now()) if e.code == 29]
    assert pushes and all(set(e.data) == keys for e in pushes)
    assert all(isinstance(e.data["updated_values"], list) and e.data["updated_values"] for e in pushes)


def test_the_order_status_push_of_to_return_can_be_left_out() -> None:
    sent, silent = make_world(history_days=2), make_world(history_days=2, return_order_status_push=False)
    for w in (sent, silent):
        w.clock.advance(4 * DAY)
    sent_events, silent_events = sent.sweep(sent.now()), silent.sweep(silent.now())

    def to_return(e: Event) -> bool:
        return e.code == 3 and e.data["status"] == "TO_RETURN"

    assert any(to_return(e) for e in sent_events) and not any(to_return(e) for e in silent_events)
    kept = [(e.time, e.code, e.data) for e in sent_events if not to_return(e)]
    assert kept == [(e.time, e.code, e.data) for e in silent_events]


@pytest.mark.parametrize(
    "settings",
    [
        {"return_rate": 1.5},
        {"return_page_no_base": 2},
        {"return_page_no_zero": "last_page"},
        {"return_list_sort": "status"},
        {"return_reverse_logistics_spelling": "reverse"},
        {"return_success_error_text": "ok"},
        {"unknown_return_sn_error": ("error_data", "")},
        {"return_push_data_shape": "nested"},
    ],
)
def test_return_settings_are_validated(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SandboxConfig(**settings)  # type: ignore[arg-type]
