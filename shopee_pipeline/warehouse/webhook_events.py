"""Storing and draining `webhook_events`: pure SQLAlchemy Core functions on a caller's connection.

The receiver and the lost-push recovery call `insert_event` (one row per distinct push, dedupe on
`dedupe_key`). The push sensor then drains them in two steps, so that no push is marked processed before
a run that syncs it exists: `assign_run` records the run key a pending event was given to (committed
before the run is requested), and `mark_processed` stamps it once that run exists in Dagster, or once the
event was handled otherwise (a shop update, or ignored with the reason). `pending_events` reads either
side: the events not yet given to a run, or those given to a run not yet confirmed.
None of these commit: the caller owns the transaction (`Warehouse.begin()`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.postgresql import insert

from shopee_pipeline.warehouse.tables import webhook_events


@dataclass(frozen=True)
class WebhookEvent:
    """One stored push, as the sensor sees it; `run_key` is the run it was given to, if any."""

    event_id: int
    dedupe_key: str
    msg_id: str | None
    shop_id: int | None
    code: int
    payload: dict[str, Any]
    source: str
    received_at: datetime
    run_key: str | None = None


def insert_event(
    conn: Connection,
    *,
    dedupe_key: str,
    code: int,
    payload: Mapping[str, Any],
    shop_id: int | None = None,
    msg_id: str | None = None,
    source: str = "push",
    outcome: str | None = None,
) -> bool:
    """Insert one event; True if it is new, False if a row with `dedupe_key` already exists.

    `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING`, so concurrent deliveries of one push leave one row.
    With `outcome` the event is stored already processed (kept for the record, never routed).
    """
    values: dict[str, Any] = {
        "dedupe_key": dedupe_key,
        "msg_id": msg_id,
        "shop_id": shop_id,
        "code": code,
        "payload": dict(payload),
        "source": source,
    }
    if outcome is not None:
        values.update(processed_at=func.now(), outcome=outcome)
    statement = (
        insert(webhook_events)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[webhook_events.c.dedupe_key])
        .returning(webhook_events.c.event_id)
    )
    return conn.execute(statement).scalar_one_or_none() is not None


def pending_events(conn: Connection, limit: int = 100, *, assigned: bool = False) -> list[WebhookEvent]:
    """Up to `limit` unprocessed events, oldest first: those not given to a run yet, or with `assigned`
    those given to a run whose existence is not confirmed yet."""
    c = webhook_events.c
    statement = (
        select(
            c.event_id,
            c.dedupe_key,
            c.msg_id,
            c.shop_id,
            c.code,
            c.payload,
            c.source,
            c.received_at,
            c.run_key,
        )
        .where(c.processed_at.is_(None), c.run_key.is_not(None) if assigned else c.run_key.is_(None))
        .order_by(c.event_id)
        .limit(limit)
    )
    return [WebhookEvent(**row._mapping) for row in conn.execute(statement)]


def _update_pending(conn: Connection, event_ids: Iterable[int], *conditions: Any, **values: Any) -> int:
    ids = sorted(set(event_ids))
    if not ids:
        return 0
    c = webhook_events.c
    statement = (
        update(webhook_events)
        .where(c.event_id.in_(ids), c.processed_at.is_(None), *conditions)
        .values(**values)
    )
    return conn.execute(statement).rowcount


def assign_run(conn: Connection, event_ids: Iterable[int], run_key: str) -> int:
    """Record `run_key` on those of `event_ids` still pending and unassigned; returns how many."""
    return _update_pending(conn, event_ids, webhook_events.c.run_key.is_(None), run_key=run_key)


def mark_processed(conn: Connection, event_ids: Iterable[int], outcome: str) -> int:
    """Stamp `processed_at = now()` and `outcome` on those of `event_ids` still pending; returns how many."""
    return _update_pending(conn, event_ids, processed_at=func.now(), outcome=outcome)
