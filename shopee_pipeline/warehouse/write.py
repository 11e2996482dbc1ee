"""Writing a stream's rows: chunks of parent rows, each with its child rows, one transaction per chunk.

In each chunk's transaction the children (items, packages) replace, as a whole, the children of the
parents they list, then the parents are upserted: a reader never sees an order without its lines. Two
chunks are written at once, each on its own connection (chunks hold distinct keys: a shop's records are
listed once), so that while one waits on Postgres the next is sent. Nothing handed in is modified; the
counts come back as the return value.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.warehouse.upsert import ChildrenSpec, UpsertSpec, WriteCounts, replace_children, upsert

# Chunks written at once, each on its own connection.
WRITERS = 2


@dataclass(frozen=True)
class ChildRows:
    """Rows of a child table replacing, as a whole, the children of `parents` (`(key, update_time)`).

    A parent listed without rows loses all its children: lines removed upstream disappear here too.
    """

    frame: pd.DataFrame
    parents: list[tuple[str, datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class Chunk:
    """Parent rows and, by child table name, the child rows written before them in one transaction; by
    snapshot table name, the history rows upserted with them."""

    frame: pd.DataFrame
    children: Mapping[str, ChildRows] = field(default_factory=dict)
    snapshots: Mapping[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    """What writing a stream did to one table: rows handed over, and the write counts."""

    rows: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)

    def __add__(self, other: Written) -> Written:
        return Written(self.rows + other.rows, self.counts + other.counts)


def write_chunks(
    warehouse: Warehouse,
    parent: UpsertSpec,
    children: Mapping[str, ChildrenSpec],
    chunks: Iterable[Chunk],
    snapshots: Mapping[str, UpsertSpec] | None = None,
) -> dict[str, Written]:
    """Write every chunk (children, then parents, then `snapshots`, one transaction each, `WRITERS` at
    once) as it arrives; return, by table name, the rows handed over and what their writes did."""
    snapshots = snapshots or {}

    def write(chunk: Chunk) -> dict[str, Written]:
        with warehouse.begin() as conn:
            done = {
                name: Written(
                    len(chunk.children[name].frame),
                    replace_children(
                        conn, warehouse.schema, spec, chunk.children[name].frame, chunk.children[name].parents
                    ),
                )
                for name, spec in children.items()
            }
            done[parent.table.name] = Written(
                len(chunk.frame), upsert(conn, warehouse.schema, parent, chunk.frame)
            )
            for name, spec in snapshots.items():
                frame = chunk.snapshots[name]
                done[name] = Written(len(frame), upsert(conn, warehouse.schema, spec, frame))
            return done

    totals: dict[str, Written] = {name: Written() for name in (parent.table.name, *children, *snapshots)}

    def add(done: dict[str, Written]) -> None:
        for name, written in done.items():
            totals[name] += written

    with ThreadPoolExecutor(WRITERS, thread_name_prefix="warehouse-write") as pool:
        pending: deque[Future[dict[str, Written]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(write, chunk))
            while len(pending) >= WRITERS or (pending and pending[0].done()):
                add(pending.popleft().result())
        while pending:
            add(pending.popleft().result())
    return totals
