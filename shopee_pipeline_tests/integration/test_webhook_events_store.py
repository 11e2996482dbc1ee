"""`warehouse.webhook_events`: insert with dedupe, pending events, giving them to a run, marking them
processed."""

from __future__ import annotations

from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.warehouse.webhook_events import assign_run, insert_event, mark_processed, pending_events


def _insert(warehouse: Warehouse, key: str, code: int = 3, shop_id: int | None = 1) -> bool:
    with warehouse.begin() as conn:
        return insert_event(
            conn, dedupe_key=key, code=code, payload={"code": code, "k": key}, shop_id=shop_id
        )


def test_insert_dedupes(warehouse: Warehouse) -> None:
    assert _insert(warehouse, "msg:a") is True
    assert _insert(warehouse, "msg:a") is False
    with warehouse.connect() as conn:
        events = pending_events(conn)
    assert [(e.dedupe_key, e.code, e.shop_id, e.payload) for e in events] == [
        ("msg:a", 3, 1, {"code": 3, "k": "msg:a"})
    ]
    assert events[0].source == "push" and events[0].received_at is not None


def test_pending_and_mark_processed_round_trip(warehouse: Warehouse) -> None:
    for i in range(5):
        _insert(warehouse, f"msg:{i}", code=3 + i % 2, shop_id=None if i == 4 else 100 + i)
    with warehouse.connect() as conn:
        first = pending_events(conn, 2)
    assert [e.dedupe_key for e in first] == ["msg:0", "msg:1"]
    with warehouse.begin() as conn:
        assert assign_run(conn, [e.event_id for e in first], "run-a") == 2
        assert assign_run(conn, [first[0].event_id], "run-b") == 0  # given to one run only
    with warehouse.connect() as conn:
        rest = pending_events(conn, 10)
        assigned = pending_events(conn, 10, assigned=True)
    assert [e.dedupe_key for e in rest] == ["msg:2", "msg:3", "msg:4"] and rest[-1].shop_id is None
    assert [(e.dedupe_key, e.run_key) for e in assigned] == [("msg:0", "run-a"), ("msg:1", "run-a")]

    with warehouse.begin() as conn:
        assert mark_processed(conn, [e.event_id for e in first], "synced") == 2
        assert mark_processed(conn, [first[0].event_id], "again") == 0
        assert mark_processed(conn, [], "nothing") == 0
    with warehouse.connect() as conn:
        assert pending_events(conn, 100, assigned=True) == []
        left = pending_events(conn, 100)
        outcomes = conn.exec_driver_sql(
            f'SELECT dedupe_key, outcome, processed_at IS NOT NULL FROM "{warehouse.schema}".webhook_events'
            " ORDER BY event_id"
        ).all()
    assert [e.dedupe_key for e in left] == ["msg:2", "msg:3", "msg:4"]
    assert outcomes[:3] == [("msg:0", "synced", True), ("msg:1", "synced", True), ("msg:2", None, False)]


def test_an_event_can_be_stored_already_processed(warehouse: Warehouse) -> None:
    with warehouse.begin() as conn:
        assert insert_event(conn, dedupe_key="msg:x", code=3, payload={}, outcome="ignored: no ordersn")
    with warehouse.connect() as conn:
        assert pending_events(conn) == [] and pending_events(conn, assigned=True) == []
        row = conn.exec_driver_sql(
            f'SELECT outcome, processed_at IS NOT NULL FROM "{warehouse.schema}".webhook_events'
        ).one()
    assert tuple(row) == ("ignored: no ordersn", True)
