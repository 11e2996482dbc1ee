"""A run worker to be killed: materializes one partition of the `sync_shopee` job in this process.

    python -m shopee_pipeline_tests.integration.crash_helpers.run_partition KEY \
        [--pause-in-copy TABLE --signal FILE [--after-copies N]] [--chunk-rows N]

Configured by the environment like any run worker (`DATABASE_URL`, `SHOPEE_*`). With `--pause-in-copy`,
the COPY into the staging table of TABLE (the first, or the one after `--after-copies` complete ones)
stops after half its rows, FILE is created, and the process sleeps with the COPY open until it is
killed: the test decides when the crash happens. `--chunk-rows` makes a stream's detail batches and write
chunks that small, so that a small shop's read is written in several transactions.
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg

from shopee_pipeline.lib import sync_runs
from shopee_pipeline.sync import fetch
from shopee_pipeline.warehouse import upsert

PAUSE_SECONDS = 600


def pause_in_copy(table_name: str, signal: Path, after_copies: int = 0) -> None:
    """Make a staging COPY of `table_name`, the one after `after_copies` others of it, hang half-way
    (after creating `signal`)."""
    original_stage, original_records = upsert._stage, upsert._records
    current = threading.local()
    started = itertools.count()

    def stage(conn: Any, table: Any, schema: str, rows: Any, columns: Any) -> str:
        current.table = table.name
        try:
            return original_stage(conn, table, schema, rows, columns)
        finally:
            current.table = None

    def records(table: Any, rows: Any, columns: Any) -> Iterable[list]:
        items = list(original_records(table, rows, columns))
        if getattr(current, "table", None) != table_name or not items or next(started) != after_copies:
            return items
        return halted(items)

    def halted(items: list[list]) -> Iterator[list]:
        yield from items[: max(1, len(items) // 2)]
        signal.write_text("paused in COPY")
        time.sleep(PAUSE_SECONDS)
        raise RuntimeError("the crash test never killed this worker")

    upsert._stage, upsert._records = stage, records


def small_chunks(rows: int) -> None:
    """Detail batches of `rows` keys and write chunks of `rows` parents."""
    original_batches = fetch.full_batches

    def full_batches(pages: Iterable[list[str]], size: int = rows) -> Iterator[list[str]]:
        return original_batches(pages, min(size, rows))

    fetch.full_batches = full_batches
    sync_runs.ROWS_PER_WRITE = rows


def main() -> None:
    """Parse the arguments and run the partition."""
    parser = argparse.ArgumentParser()
    parser.add_argument("partition_key")
    parser.add_argument("--pause-in-copy")
    parser.add_argument("--signal", type=Path)
    parser.add_argument("--after-copies", type=int, default=0)
    parser.add_argument("--chunk-rows", type=int)
    args = parser.parse_args()
    if args.pause_in_copy:
        pause_in_copy(args.pause_in_copy, args.signal, args.after_copies)
    if args.chunk_rows:
        small_chunks(args.chunk_rows)

    from shopee_pipeline.definitions import defs

    shop = args.partition_key.split("|", 1)[1]
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("shops", [shop])
        result = defs.resolve_job_def("sync_shopee").execute_in_process(
            partition_key=args.partition_key, instance=instance, raise_on_error=False
        )
    raise SystemExit(0 if result.success else 1)


if __name__ == "__main__":
    main()
