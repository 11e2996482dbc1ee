"""Per-shop advisory locks: a shop is never synced by two runs at once.

Session-level `pg_advisory_lock` on a dedicated connection, taken in ascending shop order (no
deadlock between two runs over overlapping shop sets) and released when the block ends. They need a
direct or session-pooled connection: Supabase's transaction pooler cannot hold session locks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError


@contextmanager
def shop_sync_locks(engine: Engine, stream: str, shop_ids: Iterable[int]) -> Iterator[None]:
    """Hold the `stream` lock of every shop in `shop_ids` (waiting for other runs) during the block."""
    keys = sorted(set(shop_ids))
    with engine.connect() as conn:
        for shop_id in keys:
            conn.execute(
                text("SELECT pg_advisory_lock(hashtextextended(:k, 0))"), {"k": f"{stream}:{shop_id}"}
            )
        conn.commit()
        try:
            yield
        finally:
            # On a dead connection the locks died with the session: keep the original error.
            with contextlib.suppress(SQLAlchemyError):
                conn.execute(text("SELECT pg_advisory_unlock_all()"))
                conn.commit()
