"""Per-shop advisory locks: a shop is never synced by two runs at once.

Transaction-level `pg_advisory_xact_lock`s, taken in ascending shop order (no deadlock between two runs
over overlapping shop sets) in a transaction kept open on a dedicated connection for the whole block,
and released by rolling it back. An open transaction pins one server connection, so the locks hold
through Supabase's transaction pooler too (a session-level lock would stay behind on a server connection
the pooler hands to someone else); and a run that dies loses its transaction, and so its locks, at once.
The transaction only takes locks: it holds no snapshot between statements and writes nothing. It names
its `holder` (a Dagster run) in `application_name`, so a run that has to wait can say who holds the shop.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))")
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtextextended(:k, 0))")
_NAME_HOLDER = text("SELECT set_config('application_name', :name, true)")
# Who holds an advisory lock taken with a bigint key: pg_locks splits the key into classid (high 32 bits)
# and objid (low 32 bits), with objsubid 1.
_HOLDER = text(
    "SELECT a.application_name, a.pid, a.xact_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(:k, 0) LIMIT 1"
)


def _waiting_line(conn: Connection, stream: str, shop_id: int, key: str) -> str:
    """ "shop 7: waiting for its orders lock, held by <holder> (pid 123, since 12:00:01 UTC)"."""
    holder = conn.execute(_HOLDER, {"k": key}).first()
    if holder is None:
        return f"shop {shop_id}: waiting for its {stream} lock (just released)"
    name, pid, since = holder
    started = f", since {since:%H:%M:%S %Z}" if since is not None else ""
    who = name or "another session"
    return f"shop {shop_id}: waiting for its {stream} lock, held by {who} (pid {pid}{started})"


@contextmanager
def shop_sync_locks(
    engine: Engine,
    stream: str,
    shop_ids: Iterable[int],
    holder: str = "",
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the `stream` lock of every shop in `shop_ids` during the block, as `holder`. A shop held by
    another session is waited for, after `on_wait` is told who holds it."""
    keys = sorted(set(shop_ids))
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            if holder:
                conn.execute(
                    text("SELECT set_config('application_name', :name, true)"), {"name": holder[:63]}
                )
            for shop_id in keys:
                key = f"{stream}:{shop_id}"
                taken = conn.execute(
                    text("SELECT pg_try_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key}
                )
                if taken.scalar():
                    continue
                if on_wait is not None:
                    on_wait(_waiting_line(conn, stream, shop_id, key))
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})
            yield
        finally:
            # On a dead connection the locks died with the transaction: keep the original error.
            with contextlib.suppress(SQLAlchemyError):
                transaction.rollback()
