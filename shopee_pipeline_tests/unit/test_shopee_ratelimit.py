"""Token bucket math on a fake clock, and the concurrency cap."""

from __future__ import annotations

import threading
import time

import pytest

from shopee_pipeline.shopee.ratelimit import RateLimiter, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_burst_then_refill_at_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10, capacity=10, clock=clock, sleep=clock.sleep)
    assert [bucket.try_acquire() for _ in range(10)] == [0.0] * 10
    assert bucket.try_acquire() == pytest.approx(0.1)
    clock.now += 0.05
    assert bucket.try_acquire() == pytest.approx(0.05)
    clock.now += 0.05
    assert bucket.try_acquire() == 0.0


def test_refill_never_exceeds_capacity() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2, capacity=3, clock=clock, sleep=clock.sleep)
    clock.now += 100
    assert [bucket.try_acquire() for _ in range(3)] == [0.0] * 3
    assert bucket.try_acquire() == pytest.approx(0.5)


def test_acquire_sleeps_exactly_the_deficit() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=4, capacity=1, clock=clock, sleep=clock.sleep)
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == pytest.approx(0.25)
    assert clock.now == pytest.approx(0.25)
    # n calls beyond the burst take (n / rate) seconds.
    for _ in range(8):
        bucket.acquire()
    assert clock.now == pytest.approx(0.25 + 8 / 4)


def test_concurrency_cap() -> None:
    limiter = RateLimiter(shop_rate=1000, partner_rate=1000, max_concurrency=2)
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal in_flight, peak
        with limiter.slot(1):
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.02)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 2
