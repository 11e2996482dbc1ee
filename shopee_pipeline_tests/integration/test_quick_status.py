"""The quick status update: a status push changes the stored status in the receiver's own transaction.

Through the real receiver (uvicorn on loopback, real Postgres, signed pushes): the event row and the
status change land together or not at all, an older push never makes a row older, an unknown order is
not inserted, a malformed push changes nothing and is still stored; the lost-push recovery gets the same
update; push-to-visible-status latency over 200 pushes is printed; the targeted sync then still writes
the full detail over the quick update.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import func, insert, select, text

from shopee_pipeline.defs.lost_pushes import store_lost_page
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.webhook.app import create_app
from shopee_pipeline.webhook.server import background_server
from shopee_pipeline_tests.integration.test_assets_e2e import materialize, today
from shopee_pipeline_tests.integration.test_webhook_receiver import CALLBACK, KEY, _body, _post
from shopee_pipeline_tests.pinned_clock import SANDBOX_START

SHOP = 727720655
T0 = SANDBOX_START
RAW = {"order_status": "READY_TO_SHIP", "update_time": T0}


@pytest.fixture
def receiver(warehouse: Warehouse) -> Iterator[str]:
    with background_server(create_app(warehouse, CALLBACK, KEY)) as url:
        yield url


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _seed_orders(warehouse: Warehouse, order_sns: list[str], status: str = "READY_TO_SHIP") -> None:
    with warehouse.begin() as conn:
        conn.execute(
            insert(tables.orders),
            [
                {"order_sn": sn, "shop_id": SHOP, "order_status": status, "update_time": _at(T0), "raw": RAW}
                for sn in order_sns
            ],
        )


def _order(warehouse: Warehouse, order_sn: str) -> dict[str, Any] | None:
    with warehouse.connect() as conn:
        row = conn.execute(select(tables.orders).where(tables.orders.c.order_sn == order_sn)).one_or_none()
    return None if row is None else dict(row._mapping)


def _events(warehouse: Warehouse) -> list[dict[str, Any]]:
    with warehouse.connect() as conn:
        rows = conn.execute(select(tables.webhook_events).order_by(tables.webhook_events.c.event_id))
        return [dict(row._mapping) for row in rows]


def _status_push(order_sn: str, status: str, update_time: Any, **extra: Any) -> bytes:
    data = {"ordersn": order_sn, "status": status, "update_time": update_time}
    return _body(shop_id=SHOP, code=3, timestamp=T0, data={**data, **extra})


def test_status_push_changes_the_stored_status_with_its_event(warehouse: Warehouse, receiver: str) -> None:
    _seed_orders(warehouse, ["O1"])
    before = _order(warehouse, "O1")
    response = _post(receiver, _status_push("O1", "PROCESSED", T0 + 60))
    assert response.status_code == 200 and response.content == b""
    [event] = _events(warehouse)
    assert event["code"] == 3 and event["processed_at"] is None  # the targeted sync still runs
    row = _order(warehouse, "O1")
    assert (row["order_status"], row["update_time"]) == ("PROCESSED", _at(T0 + 60))
    # The full read's columns are untouched until the sync re-reads the order.
    assert row["raw"] == RAW and row["synced_at"] == before["synced_at"]


_FAIL_FUNCTION = """
CREATE FUNCTION "{schema}".simulated_failure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'simulated failure'; END $$
"""
_FAILURES = {
    # During the status UPDATE, which runs after the event row's INSERT.
    "at_status_update": 'CREATE TRIGGER fail BEFORE UPDATE ON "{schema}".orders '
    'FOR EACH ROW EXECUTE FUNCTION "{schema}".simulated_failure()',
    # At COMMIT, once both statements have run.
    "at_commit": 'CREATE CONSTRAINT TRIGGER fail AFTER INSERT ON "{schema}".webhook_events '
    'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "{schema}".simulated_failure()',
}


@pytest.mark.parametrize("failure", sorted(_FAILURES))
def test_a_failure_after_the_event_insert_keeps_neither(
    warehouse: Warehouse, receiver: str, failure: str
) -> None:
    _seed_orders(warehouse, ["O1"])
    table = "orders" if failure == "at_status_update" else "webhook_events"
    with warehouse.begin() as conn:
        conn.execute(text(_FAIL_FUNCTION.format(schema=warehouse.schema)))
        conn.execute(text(_FAILURES[failure].format(schema=warehouse.schema)))
    body = _status_push("O1", "PROCESSED", T0 + 60)
    assert _post(receiver, body).status_code == 503  # Shopee delivers it again
    assert _events(warehouse) == []
    row = _order(warehouse, "O1")
    assert (row["order_status"], row["update_time"]) == ("READY_TO_SHIP", _at(T0))

    with warehouse.begin() as conn:
        conn.execute(text(f'DROP TRIGGER fail ON "{warehouse.schema}".{table}'))
    assert _post(receiver, body).status_code == 200  # the redelivery lands both
    assert len(_events(warehouse)) == 1
    assert _order(warehouse, "O1")["order_status"] == "PROCESSED"


def test_an_older_push_never_makes_the_row_older(warehouse: Warehouse, receiver: str) -> None:
    _seed_orders(warehouse, ["O1"], status="SHIPPED")
    for status, stamp in [("PROCESSED", T0 - 60), ("READY_TO_SHIP", T0)]:  # older, then the same version
        assert _post(receiver, _status_push("O1", status, stamp)).status_code == 200
        row = _order(warehouse, "O1")
        assert (row["order_status"], row["update_time"]) == ("SHIPPED", _at(T0))
    assert _post(receiver, _status_push("O1", "COMPLETED", T0 + 120)).status_code == 200
    # Newer than the seeded row but older than the push just applied: pushes arrive out of order.
    assert _post(receiver, _status_push("O1", "TO_CONFIRM_RECEIVE", T0 + 60)).status_code == 200
    row = _order(warehouse, "O1")
    assert (row["order_status"], row["update_time"]) == ("COMPLETED", _at(T0 + 120))
    assert len(_events(warehouse)) == 4


def test_an_unknown_order_or_another_shops_is_not_touched(warehouse: Warehouse, receiver: str) -> None:
    _seed_orders(warehouse, ["O1"])
    assert _post(receiver, _status_push("NEW-ORDER", "UNPAID", T0 + 60)).status_code == 200
    other_shop = _body(
        shop_id=SHOP + 1, code=3, data={"ordersn": "O1", "status": "CANCELLED", "update_time": T0 + 60}
    )
    assert _post(receiver, other_shop).status_code == 200
    assert _order(warehouse, "NEW-ORDER") is None
    assert _order(warehouse, "O1")["order_status"] == "READY_TO_SHIP"
    assert len(_events(warehouse)) == 2


@pytest.mark.parametrize(
    "data",
    [
        {"ordersn": "O1", "status": "PROCESSED"},
        {"ordersn": "O1", "status": "PROCESSED", "update_time": str(T0 + 60)},
        {"ordersn": "O1", "status": "PROCESSED", "update_time": T0 + 60.5},
        {"ordersn": "O1", "status": "PROCESSED", "update_time": True},
        {"ordersn": "O1", "status": "PROCESSED", "update_time": -1},
        {"ordersn": "O1", "status": "PROCESSED", "update_time": 10**20},
        {"ordersn": "O1", "status": 7, "update_time": T0 + 60},
        {"ordersn": "O1", "status": None, "update_time": T0 + 60},
        {"ordersn": "O1", "status": "", "update_time": T0 + 60},
        {"ordersn": "O1", "update_time": T0 + 60},
        {"ordersn": ["O1"], "status": "PROCESSED", "update_time": T0 + 60},
        {"status": "PROCESSED", "update_time": T0 + 60},
    ],
    ids=[
        "no-time",
        "time-text",
        "time-float",
        "time-bool",
        "time-negative",
        "time-huge",
        "status-int",
        "status-null",
        "status-empty",
        "no-status",
        "ordersn-list",
        "no-ordersn",
    ],
)
def test_a_malformed_push_changes_nothing_and_is_stored(
    warehouse: Warehouse, receiver: str, data: dict
) -> None:
    _seed_orders(warehouse, ["O1"])
    assert _post(receiver, _body(shop_id=SHOP, code=3, data=data)).status_code == 200
    [event] = _events(warehouse)
    assert event["payload"]["data"] == data
    row = _order(warehouse, "O1")
    assert (row["order_status"], row["update_time"]) == ("READY_TO_SHIP", _at(T0))


def test_a_duplicate_delivery_does_not_reapply(warehouse: Warehouse, receiver: str) -> None:
    """The first delivery applied the status; a re-delivery (same msg_id) changes nothing, even if a
    later push moved the row on in between."""
    _seed_orders(warehouse, ["O1"])
    first = _status_push("O1", "PROCESSED", T0 + 60, msg_id="m-1")
    assert _post(receiver, first).status_code == 200
    assert _post(receiver, _status_push("O1", "SHIPPED", T0 + 120, msg_id="m-2")).status_code == 200
    assert _post(receiver, first).status_code == 200
    assert _order(warehouse, "O1")["order_status"] == "SHIPPED"
    assert len(_events(warehouse)) == 2


def test_booking_status_push_updates_the_booking(warehouse: Warehouse, receiver: str) -> None:
    with warehouse.begin() as conn:
        conn.execute(
            insert(tables.bookings).values(
                booking_sn="B1", shop_id=SHOP, booking_status="READY_TO_SHIP", update_time=_at(T0), raw={}
            )
        )
    data = {"booking_sn": "B1", "booking_status": "PROCESSED", "update_time": T0 + 60}
    assert _post(receiver, _body(shop_id=SHOP, code=23, data=data)).status_code == 200
    older = {**data, "booking_status": "CANCELLED", "update_time": T0 + 30}
    assert _post(receiver, _body(shop_id=SHOP, code=23, data=older)).status_code == 200
    with warehouse.connect() as conn:
        row = conn.execute(select(tables.bookings.c.booking_status, tables.bookings.c.update_time)).one()
    assert tuple(row) == ("PROCESSED", _at(T0 + 60))


def test_a_recovered_lost_push_updates_the_status_too(warehouse: Warehouse) -> None:
    _seed_orders(warehouse, ["O1"])
    envelope = {"shop_id": SHOP, "code": 3, "timestamp": T0, "data": {"ordersn": "O1", "status": "SHIPPED"}}
    envelope["data"]["update_time"] = T0 + 60
    with warehouse.begin() as conn:
        assert store_lost_page(dg.build_op_context(), conn, [envelope]) == 1
    [event] = _events(warehouse)
    assert event["source"] == "lost_push"
    assert _order(warehouse, "O1")["order_status"] == "SHIPPED"


def _visible(warehouse: Warehouse, order_sn: str, status: str) -> bool:
    with warehouse.connect() as conn:
        stored = conn.execute(
            select(tables.orders.c.order_status).where(tables.orders.c.order_sn == order_sn)
        ).scalar_one()
    return stored == status


def test_push_to_visible_status_latency_over_200_pushes(
    warehouse: Warehouse, receiver: str, capsys: pytest.CaptureFixture
) -> None:
    """From sending a signed push to another connection reading the new status; printed, not asserted."""
    order_sns = [f"L{i:03d}" for i in range(200)]
    _seed_orders(warehouse, order_sns)
    latencies = []
    for order_sn in order_sns:
        body = _status_push(order_sn, "PROCESSED", T0 + 60)
        started = time.perf_counter()
        assert _post(receiver, body).status_code == 200
        deadline = started + 10
        while not _visible(warehouse, order_sn, "PROCESSED"):
            assert time.perf_counter() < deadline, f"{order_sn} never showed its pushed status"
        latencies.append(time.perf_counter() - started)
    quantiles = statistics.quantiles(latencies, n=100)
    with warehouse.connect() as conn:
        updated = conn.execute(
            select(func.count()).where(tables.orders.c.order_status == "PROCESSED")
        ).scalar_one()
    assert updated == 200 and len(_events(warehouse)) == 200
    with capsys.disabled():
        print(
            f"\npush to visible status over {len(latencies)} pushes: p50 {quantiles[49] * 1000:.1f} ms, "
            f"p95 {quantiles[94] * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
        )


@pytest.mark.clock  # a day's sync: the pipeline plans its windows by its clock
def test_the_targeted_sync_still_writes_the_full_detail(pipeline) -> None:
    shop = pipeline.sandbox.shop_ids[0]
    day = today(pipeline)
    assert materialize(pipeline, f"{day}|{shop}").success
    with pipeline.warehouse.connect() as conn:
        stored = {
            r.order_sn: r for r in conn.execute(select(tables.orders).where(tables.orders.c.shop_id == shop))
        }
    pipeline.sandbox.advance(3 * 3600)  # orders move on in Shopee (no push_url: none is delivered)
    world = pipeline.sandbox.world
    order_sn, truth = next(
        (sn, detail)
        for sn, row in sorted(stored.items())
        if (detail := world.order_detail(shop, sn))["order_status"] != row.order_status
        and _at(detail["update_time"]) > row.update_time
    )
    before = stored[order_sn]

    with background_server(create_app(pipeline.warehouse, CALLBACK, KEY)) as url:
        body = _body(
            shop_id=shop,
            code=3,
            timestamp=truth["update_time"],
            data={"ordersn": order_sn, "status": truth["order_status"], "update_time": truth["update_time"]},
        )
        assert _post(url, body).status_code == 200
    quick = _order(pipeline.warehouse, order_sn)
    assert (quick["order_status"], quick["update_time"]) == (truth["order_status"], _at(truth["update_time"]))
    assert quick["raw"] == before.raw and quick["synced_at"] == before.synced_at

    only = {"ops": {"shopee_orders": {"config": {"only": [order_sn]}}}}
    assert materialize(pipeline, f"{day}|{shop}", only).success
    synced = _order(pipeline.warehouse, order_sn)
    detail = world.order_detail(shop, order_sn)
    assert synced["raw"] != before.raw
    filled = {key: value for key, value in detail.items() if value != ""}  # empty fields are not kept
    assert {key: synced["raw"].get(key) for key in filled} == filled
    assert synced["shipping_carrier"] == detail["shipping_carrier"]
    assert synced["synced_at"] > before.synced_at
    assert (synced["order_status"], synced["update_time"]) == (
        truth["order_status"],
        _at(truth["update_time"]),
    )
    with pipeline.warehouse.connect() as conn:
        items = conn.execute(
            select(tables.order_items.c.item_id, tables.order_items.c.update_time)
            .where(tables.order_items.c.order_sn == order_sn)
            .order_by(tables.order_items.c.line_index)
        ).all()
    assert [(i.item_id, i.update_time) for i in items] == [
        (line["item_id"], _at(truth["update_time"])) for line in truth["item_list"]
    ]
