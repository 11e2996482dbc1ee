"""`FetchStream`: batches flow while other jobs still run, failures stay per shop, and a consumer that
stops early stops the fetching threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from shopee_pipeline.normalize.orders import normalize_orders
from shopee_pipeline.shopee import ShopFatalError
from shopee_pipeline.sync.fetch import MAX_PENDING_BATCHES, Batch, FetchStream


def _order(sn: str) -> dict:
    return {"order_sn": sn, "order_status": "READY_TO_SHIP", "update_time": 1_700_000_000}


def _batch(shop: int, n: int) -> Batch:
    return Batch(normalize_orders(shop, [_order(f"{shop}-{n}-{i}") for i in range(10)]))


def test_batches_of_every_shop_arrive_and_chunks_regroup_them() -> None:
    stream = FetchStream(
        [(1, 3), (2, 2)], lambda shop, n: (_batch(shop, i) for i in range(n)), normalize_orders(0, []), 2
    )
    chunks = list(stream.chunks("orders", 25))
    assert [len(c.rows.orders) for c in chunks] == [30, 20]
    assert {sn.split("-")[0] for c in chunks for sn in c.rows.orders["order_sn"]} == {"1", "2"}
    assert stream.failures == []


def test_a_failing_shop_is_recorded_once_and_its_later_jobs_are_not_run() -> None:
    started: list[tuple[int, int]] = []

    def work(shop: int, job: int) -> Iterator[Batch]:
        started.append((shop, job))
        if shop == 2:
            raise ShopFatalError("shop unauthorized", seller_action="Re-authorize.", path="/x", shop_id=shop)
        yield _batch(shop, job)

    stream = FetchStream([(2, 0), (1, 0), (2, 1)], work, normalize_orders(0, []), 1)
    result = stream.collect()
    assert sorted(set(result.rows.orders["shop_id"])) == [1]
    assert [f.shop_id for f in result.failures] == [2]
    assert (2, 1) not in started


def test_an_unexpected_error_reaches_the_consumer() -> None:
    def work(shop: int, job: int) -> Iterator[Batch]:
        raise RuntimeError("bug")
        yield  # pragma: no cover

    with pytest.raises(RuntimeError, match="bug"):
        list(FetchStream([(1, 0)], work, normalize_orders(0, []), 1))


def test_a_consumer_that_stops_stops_the_threads_and_memory_stays_bounded() -> None:
    produced = 0
    lock = threading.Lock()

    def work(shop: int, job: int) -> Iterator[Batch]:
        nonlocal produced
        for i in range(1000):
            with lock:
                produced += 1
            yield _batch(shop, i)

    stream = FetchStream([(1, 0), (2, 0)], work, normalize_orders(0, []), 2)
    iterator = iter(stream)
    next(iterator)
    time.sleep(0.3)
    # Producers wait on the bounded hand-over: a few batches ahead of the consumer, never all 2,000.
    assert produced <= MAX_PENDING_BATCHES + 4
    started = time.monotonic()
    iterator.close()
    assert time.monotonic() - started < 60  # generous: a producer left blocked would hang until the timeout
    assert produced < 2000


def test_jobs_not_started_when_the_consumer_stops_never_run() -> None:
    started: list[int] = []

    def work(shop: int, job: int) -> Iterator[Batch]:
        started.append(job)
        yield _batch(shop, job)

    iterator = iter(FetchStream([(1, n) for n in range(200)], work, normalize_orders(0, []), 2))
    next(iterator)
    iterator.close()
    # Each job of this stream would be one API call: after the stop, none but the few already under way.
    assert len(started) <= MAX_PENDING_BATCHES + 4
