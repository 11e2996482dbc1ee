"""`EscrowFeed` with a `FetchStream`: escrow jobs go out while orders are still being added, in full batches
of 50 per shop, each order once, the warehouse's remaining orders after `close`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pandas as pd
import pytest

from shopee_pipeline.normalize.orders import normalize_orders
from shopee_pipeline.sync.escrow_feed import EscrowFeed
from shopee_pipeline.sync.fetch import Batch, FetchStream

UPDATED = datetime(2026, 11, 18, 8, tzinfo=UTC)


def _orders(shop: int, sns: list[str], status: str = "READY_TO_SHIP") -> pd.DataFrame:
    return pd.DataFrame(
        {"order_sn": sns, "shop_id": shop, "order_status": status, "update_time": UPDATED, "total_amount": 1}
    )


def _paid(candidates: pd.DataFrame) -> pd.DataFrame:
    """What the warehouse's `escrow_due` would say with no escrow stored: every paid order is due."""
    return candidates[candidates["order_status"] != "UNPAID"]


def test_full_batches_go_out_before_the_feed_closes_and_each_order_once() -> None:
    feed = EscrowFeed(_paid)
    jobs: list[tuple[int, list[str]]] = []
    first_job = threading.Event()

    def work(shop: int, order_sns: list[str]) -> Iterator[Batch]:
        jobs.append((shop, order_sns))
        first_job.set()
        yield Batch(normalize_orders(shop, []))

    stream = FetchStream(feed, work, normalize_orders(0, []), 4)
    consumer = threading.Thread(target=lambda: list(stream))
    consumer.start()
    feed.add(_orders(1, [f"A{i}" for i in range(30)]))
    feed.add(_orders(2, [f"B{i}" for i in range(10)]))
    feed.add(_orders(1, [f"A{i}" for i in range(30, 60)] + ["U1"]))
    feed.add(_orders(1, ["U2"], status="UNPAID"))
    # 50 of shop 1's orders are due: their job starts although the orders are not all added.
    assert first_job.wait(10), "no escrow job before the feed closed"
    assert jobs == [(1, [f"A{i}" for i in range(50)])]
    feed.close(lambda: _orders(2, ["B0", "B10"]))  # B0 was fed already
    consumer.join(10)
    assert not consumer.is_alive()
    assert sorted(jobs) == [
        (1, [f"A{i}" for i in range(50)]),
        (1, [*(f"A{i}" for i in range(50, 60)), "U1"]),
        (2, [*(f"B{i}" for i in range(10)), "B10"]),
    ]
    assert set(feed.versions) == {f"A{i}" for i in range(60)} | {f"B{i}" for i in range(11)} | {"U1"}
    assert stream.failures == []


def test_a_failing_feed_reaches_the_consumer() -> None:
    def due(candidates: pd.DataFrame) -> pd.DataFrame:
        raise RuntimeError("warehouse gone")

    feed = EscrowFeed(due)
    feed.add(_orders(1, ["A1"]))
    feed.close()
    stream = FetchStream(feed, lambda shop, job: iter(()), normalize_orders(0, []), 2)
    with pytest.raises(RuntimeError, match="warehouse gone"):
        list(stream)
