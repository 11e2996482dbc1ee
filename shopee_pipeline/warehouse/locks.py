"""Per-shop advisory locks: a shop is never synced by two runs at once.

Transaction-level `pg_advisory_xact_lock`s, taken in ascending shop order (no deadlock between two runs
over overlapping shop sets) in a transaction kept open on a dedicated connection for the whole block,
and released by rolling it back. An open transaction pins one server connection, so the locks hold
through Supabase's transaction pooler too (a session-level lock would stay behind on a server connection
the pooler hands to someone else); and a run that dies loses its transaction, and so its locks, at once.
The transaction only takes locks: it holds no snapshot between statements and writes nothing.
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
        transaction = conn.begin()
        try:
            for shop_id in keys:
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                    {"k": f"{stream}:{shop_id}"},
                )
            yield
        finally:
            # On a dead connection the locks died with the transaction: keep the original error.
            with contextlib.suppress(SQLAlchemyError):
                transaction.rollback()
