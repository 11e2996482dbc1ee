"""The quick status update of a status push: one guarded `UPDATE` on the caller's transaction.

A status push (`order_status_push`, `booking_status_push`; docs/shopee-api-notes.md#pushes) carries the
record's new status and its `update_time`. The receiver writes that status at once, in the transaction
that stores the push, so the status is visible before the targeted sync has re-read the full detail.

The update keeps the write path's invariant (warehouse/upsert.py: a row never becomes older):
- it touches only an existing row of that shop (a record not stored yet is inserted by the sync, never
  here), and only when the push is strictly newer than the row (`update_time < :t`);
- it sets `update_time` to the push's, so the row becomes that version: a later push that is older (pushes
  are unordered) then changes nothing, where keeping the old `update_time` would let it roll the status
  back. The sync's upsert guard is `>=`, so its re-read of that same version (or a newer one) still
  overwrites every column, children included; an older read is refused as it would be anyway.
- `raw` and `synced_at` are left as the last full read wrote them: until the sync lands, a row whose
  status column is ahead of `raw` is one whose full detail is on its way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Table, update

from shopee_pipeline.warehouse.tables import bookings, orders


@dataclass(frozen=True)
class StatusColumn:
    """Where a pushed status goes: `status_column` of the `table` row whose `key_column` is the record's."""

    table: Table
    key_column: str
    status_column: str


ORDER_STATUS_COLUMN = StatusColumn(orders, "order_sn", "order_status")
BOOKING_STATUS_COLUMN = StatusColumn(bookings, "booking_sn", "booking_status")


def update_status_only(
    conn: Connection, target: StatusColumn, *, shop_id: int, key: str, status: str, update_time: datetime
) -> None:
    """Set the status and `update_time` of the stored record `key` of `shop_id` when `update_time` is
    newer than the row's. Does not commit: the caller owns the transaction."""
    c = target.table.c
    statement = (
        update(target.table)
        .where(c[target.key_column] == key, c.shop_id == shop_id, c.update_time < update_time)
        .values({target.status_column: status, "update_time": update_time})
    )
    conn.execute(statement)
