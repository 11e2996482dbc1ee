"""Storing and draining `webhook_events`: pure SQLAlchemy Core functions on a caller's connection.

The receiver calls `insert_event` (one row per distinct push, dedupe on `dedupe_key`); the Dagster sensor
calls `pending_events` to read what it has not handled yet and `mark_processed` once it has.
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
    """One stored push, as the sensor sees it."""

    event_id: int
    dedupe_key: str
    msg_id: str | None
    shop_id: int | None
    code: int
    payload: dict[str, Any]
    source: str
    received_at: datetime


def insert_event(
    conn: Connection,
    *,
    dedupe_key: str,
    code: int,
    payload: Mapping[str, Any],
    shop_id: int | None = None,
    msg_id: str | None = None,
    source: str = "push",
) -> bool:
    """Insert one event; True if it is new, False if a row with `dedupe_key` already exists.

    `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING`, so concurrent deliveries of one push leave one row.
    """
    statement = (
        insert(webhook_events)
        .values(
            dedupe_key=dedupe_key,
            msg_id=msg_id,
            shop_id=shop_id,
            code=code,
            payload=dict(payload),
            source=source,
        )
        .on_conflict_do_nothing(index_elements=[webhook_events.c.dedupe_key])
        .returning(webhook_events.c.event_id)
    )
    return conn.execute(statement).scalar_one_or_none() is not None


def pending_events(conn: Connection, limit: int = 100, after_id: int = 0) -> list[WebhookEvent]:
    """Up to `limit` unprocessed events with `event_id > after_id`, oldest first."""
    c = webhook_events.c
    statement = (
        select(c.event_id, c.dedupe_key, c.msg_id, c.shop_id, c.code, c.payload, c.source, c.received_at)
        .where(c.processed_at.is_(None), c.event_id > after_id)
        .order_by(c.event_id)
        .limit(limit)
    )
    return [WebhookEvent(**row._mapping) for row in conn.execute(statement)]


def mark_processed(conn: Connection, event_ids: Iterable[int], outcome: str) -> int:
    """Stamp `processed_at = now()` and `outcome` on those of `event_ids` still pending; returns how many."""
    ids = sorted(set(event_ids))
    if not ids:
        return 0
    c = webhook_events.c
    statement = (
        update(webhook_events)
        .where(c.event_id.in_(ids), c.processed_at.is_(None))
        .values(processed_at=func.now(), outcome=outcome)
    )
    return conn.execute(statement).rowcount
