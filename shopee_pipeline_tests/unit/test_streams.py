"""The stream registry agrees with the tables and the normalisers: a stream declared with a table that
does not exist, or whose normaliser fills other tables, fails here rather than silently at run time."""

import dataclasses
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from shopee_pipeline.normalize.escrow import normalize_escrow
from shopee_pipeline.normalize.orders import normalize_orders
from shopee_pipeline.sync.pushes import SYNCED_CODES, PushTarget, plan_pushes, push_target
from shopee_pipeline.sync.streams import BY_NAME, STREAMS, SYNC_ASSET_KEYS
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.webhook_events import WebhookEvent


def test_every_stream_names_real_tables_and_its_rows_frames() -> None:
    custom = {"orders": normalize_orders(0, []), "escrow": normalize_escrow(0, [], {})}
    for spec in STREAMS:
        empty = spec.normaliser.empty() if spec.shape else custom[spec.name]
        assert set(empty.frames) == {spec.table, *spec.child_tables}, spec.name
        for name in spec.tables:
            assert name in tables.metadata.tables, name
        assert {snapshot.source for snapshot in spec.snapshots} <= set(spec.child_tables)
        assert spec.conflict_key in tables.metadata.tables[spec.table].c
        assert spec.guard_column in tables.metadata.tables[spec.table].c
        assert set(spec.child_assets) <= set(spec.tables) - {spec.table}
        assert set(spec.after) <= set(BY_NAME) - {spec.name}


def test_asset_keys_and_push_codes_are_unique() -> None:
    assert len(SYNC_ASSET_KEYS) == len(set(SYNC_ASSET_KEYS))
    codes = [code for spec in STREAMS for code in spec.push_codes]
    assert len(codes) == len(set(codes)) and set(codes) == SYNCED_CODES


def test_a_push_routes_to_its_stream_by_its_key_field() -> None:
    for spec in STREAMS:
        for code in spec.push_codes:
            for field in spec.push_key_fields:
                assert push_target(code, 1, {"data": {field: " K1 "}}) == PushTarget(spec.name, "K1")
            assert push_target(code, 1, {"data": {}}) == f"no {spec.push_key_fields[0]} in data"


def test_a_stream_with_the_standard_asset_is_its_steps_name() -> None:
    # `@dg.asset(key=...)` names its step after the key: run config `ops.<op_name>` must match it.
    for spec in STREAMS:
        if spec.standard_asset:
            assert spec.op_name == spec.table, spec.name


def test_a_return_push_rereads_the_return_and_its_orders_escrow() -> None:
    received = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    full = {"return_sn": "R1", "order_sn": "O1", "update_time": 1764039600, "updated_values": ["status"]}
    datas = [full, {"return_sn": "R2"}, {"order_sn": "O3"}]
    events = [
        WebhookEvent(n, f"k{n}", None, 7, 29, {"shop_id": 7, "code": 29, "data": data}, "push", received)
        for n, data in enumerate(datas, start=1)
    ]
    plan = plan_pushes(events, ZoneInfo("Asia/Jakarta"), known_shops={7}, connected_shops={7})
    [sync] = plan.syncs
    assert sync.keys_of(BY_NAME["returns"]) == ["R1", "R2"]
    assert sync.keys_of(BY_NAME["escrow"]) == ["O1"]  # R2's push names no order: the next sync finds it
    assert [(event.event_id, reason) for event, reason in plan.ignored] == [(3, "no return_sn in data")]


def test_a_declaration_that_cannot_work_is_refused_when_it_is_made() -> None:
    bookings = BY_NAME["bookings"]
    with pytest.raises(ValueError, match="its shape fills"):
        dataclasses.replace(bookings, child_tables=())
    with pytest.raises(ValueError, match="the standard asset needs"):
        dataclasses.replace(bookings, asset_description=None)
    with pytest.raises(ValueError, match="give its own fetch"):
        dataclasses.replace(bookings, shape=None, standard_asset=False)
