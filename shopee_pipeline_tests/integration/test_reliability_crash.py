"""Crashes: a run worker killed with SIGKILL in the middle of a write leaves nothing half-written, a
reader never sees an order without its item lines, and re-running the partition converges to the state
of an uninterrupted run, the day's stock_history included.

The worker is a real child process (`crash_helpers/run_partition.py`) running the `sync_shopee` job. It
is killed either while it waits for a table lock the test holds (its items and packages written, its
orders not yet, all in one open transaction), or while its COPY into a staging table is half sent (in
its orders step, or in the catalogue's whole read after its first chunk was committed).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from shopee_pipeline import clock
from shopee_pipeline.definitions import defs
from shopee_pipeline.lib.sync_runs import full_read_stream
from shopee_pipeline.sync.streams import ITEMS, STREAMS, SYNCED_TABLES
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline_tests.pinned_clock import sandbox_day

APP = "crash-worker"
DATA_TABLES = SYNCED_TABLES
# When the pipeline wrote a row, or read a snapshot's values: instants no two runs share.
RUN_INSTANTS = tables.BOOKKEEPING_COLUMNS | {s.seen_column for spec in STREAMS for s in spec.snapshots}
WAIT_SECONDS = 90


def _snapshot(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Every data table's rows, without the instants of the run that wrote them, in a stable order."""
    snapshot = {}
    with warehouse.connect() as conn:
        for name in DATA_TABLES:
            table = tables.metadata.tables[name]
            columns = [c for c in table.columns if c.name not in RUN_INSTANTS]
            rows = conn.execute(table.select().with_only_columns(*columns))
            snapshot[name] = sorted(tuple(map(repr, row)) for row in rows)
    return snapshot


def _wipe(warehouse: Warehouse) -> None:
    names = ", ".join(f'"{warehouse.schema}"."{n}"' for n in (*DATA_TABLES, "sync_state"))
    with warehouse.begin() as conn:
        conn.execute(text(f"TRUNCATE {names}"))


def _count(warehouse: Warehouse, table: str) -> int:
    with warehouse.connect() as conn:
        return conn.execute(text(f'SELECT count(*) FROM "{warehouse.schema}"."{table}"')).scalar_one()


def _marked_streams(warehouse: Warehouse) -> set[str]:
    """The streams that have a high-water mark in sync_state."""
    with warehouse.connect() as conn:
        query = f'SELECT stream FROM "{warehouse.schema}".sync_state WHERE high_water_mark IS NOT NULL'
        return set(conn.execute(text(query)).scalars())


def _until(condition: Callable[[], bool], what: str, worker: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if worker is not None and worker.poll() is not None:
            raise AssertionError(f"the worker exited ({worker.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _worker_backends(warehouse: Warehouse, where: str = "true") -> list[dict]:
    with warehouse.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT pid, state, wait_event_type, query FROM pg_stat_activity "
                f"WHERE application_name = :a AND {where}"
            ),
            {"a": APP},
        )
        return [dict(r._mapping) for r in rows]


@contextmanager
def _reader(warehouse: Warehouse) -> Iterator[list[str]]:
    """Poll, until the block ends, for orders that have no item line; yields the violations seen."""
    violations: list[str] = []
    stop = threading.Event()
    query = text(
        f'SELECT o.order_sn FROM "{warehouse.schema}".orders o WHERE NOT EXISTS '
        f'(SELECT 1 FROM "{warehouse.schema}".order_items i WHERE i.order_sn = o.order_sn) LIMIT 5'
    )

    def poll() -> None:
        while not stop.is_set():
            with warehouse.connect() as conn:
                violations.extend(conn.execute(query).scalars())
            time.sleep(0.01)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield violations
    finally:
        stop.set()
        thread.join(timeout=10)


def _start_worker(pipeline, pg_url: str, key: str, *extra: str) -> subprocess.Popen:
    url = pg_url + ("&" if "?" in pg_url else "?") + f"application_name={APP}"
    env = {**os.environ, "DATABASE_URL": url, "SHOPEE_DB_SCHEMA": pipeline.warehouse.schema}
    env.update(
        SHOPEE_PARTNER_ID=str(pipeline.sandbox.partner_id),
        SHOPEE_PARTNER_KEY=pipeline.sandbox.partner_key,
        SHOPEE_API_BASE_URL=pipeline.sandbox.url,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "shopee_pipeline_tests.integration.crash_helpers.run_partition", key, *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(timeout=30) == -signal.SIGKILL


def _rerun(pipeline, key: str) -> None:
    result = defs.resolve_job_def("sync_shopee").execute_in_process(
        partition_key=key, instance=pipeline.instance, raise_on_error=False
    )
    assert result.success


@pytest.fixture
def reference(pipeline) -> tuple[str, dict[str, list[tuple]]]:
    """Today's partition of the first shop, and the warehouse an uninterrupted run leaves (then wiped)."""
    day = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    key = f"{day}|{pipeline.sandbox.shop_ids[0]}"
    _rerun(pipeline, key)
    expected = _snapshot(pipeline.warehouse)
    assert expected["orders"] and expected["order_items"]
    _wipe(pipeline.warehouse)
    return key, expected


@pytest.mark.clock
def test_kill_between_items_and_orders(pipeline, pg_url: str, reference) -> None:
    key, expected = reference
    warehouse = pipeline.warehouse
    orders = f'"{warehouse.schema}"."orders"'
    with _reader(warehouse) as violations:
        with warehouse.engine.connect() as blocker:
            # EXCLUSIVE lets readers in but holds back every write to orders: the worker writes its
            # items and packages, then waits on its INSERT INTO orders in the same transaction.
            blocker.execute(text(f"LOCK TABLE {orders} IN EXCLUSIVE MODE"))
            worker = _start_worker(pipeline, pg_url, key)
            try:
                _until(
                    lambda: _worker_backends(
                        warehouse, f"wait_event_type = 'Lock' AND query LIKE 'INSERT INTO %{orders}%'"
                    ),
                    "the worker to wait on its INSERT INTO orders",
                    worker,
                )
                assert _count(warehouse, "order_items") == 0 and _count(warehouse, "orders") == 0
            finally:
                _kill(worker)
            blocker.rollback()
        _until(lambda: not _worker_backends(warehouse), "the killed worker's sessions to end")
        # Its open transaction, items and packages included, died with it.
        assert _count(warehouse, "orders") == 0 and _count(warehouse, "order_items") == 0
        _rerun(pipeline, key)
    assert violations == []
    assert _snapshot(warehouse) == expected


@pytest.mark.parametrize("table", ["order_items", "orders"])
def test_kill_during_a_staging_copy(pipeline, pg_url: str, reference, table: str, tmp_path: Path) -> None:
    key, expected = reference
    warehouse = pipeline.warehouse
    signal_file = tmp_path / "paused"
    with _reader(warehouse) as violations:
        worker = _start_worker(pipeline, pg_url, key, "--pause-in-copy", table, "--signal", str(signal_file))
        try:
            _until(signal_file.exists, f"the worker to pause in the COPY of {table}", worker)
            copying = _worker_backends(warehouse, "state = 'active' AND query LIKE 'COPY %'")
            assert copying, "the worker's COPY is not in progress"
            committed = {name: _count(warehouse, name) for name in ("orders", "order_items")}
        finally:
            _kill(worker)
        _until(lambda: not _worker_backends(warehouse), "the killed worker's sessions to end")
        assert _count(warehouse, table) == committed[table]
        assert _count(warehouse, "orders") == 0
        _rerun(pipeline, key)
    assert violations == []
    assert _snapshot(warehouse) == expected


@pytest.mark.clock
def test_kill_in_a_whole_read_after_its_first_chunk(pipeline, pg_url: str, reference, tmp_path: Path) -> None:
    """The catalogue's whole read killed with a chunk committed and the next one in its COPY records no
    whole-read mark: the re-run reads it whole again, and the day's stock_history holds every item x
    model, as after an uninterrupted run."""
    key, expected = reference
    warehouse = pipeline.warehouse
    signal_file = tmp_path / "paused"
    worker = _start_worker(
        pipeline,
        pg_url,
        key,
        *("--chunk-rows", "5", "--pause-in-copy", "item_models", "--after-copies", "1"),
        *("--signal", str(signal_file)),
    )
    try:
        _until(signal_file.exists, "the worker to pause in its second COPY of item_models", worker)
        _until(lambda: _count(warehouse, "stock_history") > 0, "the worker's first chunk to commit", worker)
    finally:
        _kill(worker)
    _until(lambda: not _worker_backends(warehouse), "the killed worker's sessions to end")
    assert 0 < _count(warehouse, "stock_history") < len(expected["stock_history"])
    assert _marked_streams(warehouse).isdisjoint({ITEMS.name, full_read_stream(ITEMS)})
    rerun_at = clock.now()
    _rerun(pipeline, key)
    assert _snapshot(warehouse) == expected
    assert full_read_stream(ITEMS) in _marked_streams(warehouse)
    # Read whole: every row of the day was read again by the re-run, not only those of the lost chunks.
    with warehouse.connect() as conn:
        query = f'SELECT min(seen_at) FROM "{warehouse.schema}".stock_history'
        assert conn.execute(text(query)).scalar_one() >= rerun_at
