"""Per shop and stream: the high-water mark of the incremental sync, the last success and last error."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert

from shopee_pipeline.warehouse.tables import sync_state


def high_water_marks(conn: Connection, stream: str, shop_ids: list[int]) -> dict[int, datetime]:
    """The stored marks of `stream` for `shop_ids` (shops never synced are absent)."""
    rows = conn.execute(
        select(sync_state.c.shop_id, sync_state.c.high_water_mark).where(
            sync_state.c.stream == stream,
            sync_state.c.shop_id.in_(shop_ids),
            sync_state.c.high_water_mark.is_not(None),
        )
    )
    return {shop_id: mark for shop_id, mark in (row._tuple() for row in rows)}


def record_success(conn: Connection, stream: str, marks: dict[int, datetime | None]) -> None:
    """Mark a successful sync of `stream` per shop; a mark only ever moves forward."""
    if not marks:
        return
    statement = insert(sync_state).values(
        [
            {"shop_id": shop_id, "stream": stream, "high_water_mark": mark, "last_success_at": func.now()}
            for shop_id, mark in marks.items()
        ]
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[sync_state.c.shop_id, sync_state.c.stream],
            set_={
                "high_water_mark": func.greatest(
                    sync_state.c.high_water_mark, statement.excluded.high_water_mark
                ),
                "last_success_at": func.now(),
                "last_error": None,
                "updated_at": func.now(),
            },
        )
    )


def record_error(conn: Connection, stream: str, shop_id: int, message: str) -> None:
    """Remember the last error of `stream` for a shop (its mark stays where it was)."""
    statement = insert(sync_state).values(
        shop_id=shop_id, stream=stream, last_error=message[:2000], last_error_at=func.now()
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[sync_state.c.shop_id, sync_state.c.stream],
            set_={
                "last_error": statement.excluded.last_error,
                "last_error_at": func.now(),
                "updated_at": func.now(),
            },
        )
    )
