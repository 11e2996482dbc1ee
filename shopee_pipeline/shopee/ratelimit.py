"""Token-bucket rate limiters (per shop and per partner) and a concurrency cap."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class SharedBudget(Protocol):
    """A request budget shared by every process of a deployment (e.g. kept in Postgres)."""

    def acquire(self) -> float:
        """Block until one request may be sent; return the seconds spent waiting."""


class TokenBucket:
    """Thread-safe token bucket: ``rate`` tokens per second, holding at most ``capacity``."""

    def __init__(
        self,
        rate: float,
        capacity: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate = rate
        self._capacity = capacity
        self._tokens = capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()

    def try_acquire(self) -> float:
        """Take one token if available and return 0, else return the seconds until one will be."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self._rate

    def acquire(self) -> float:
        """Block until a token is taken; return the seconds spent waiting."""
        waited = 0.0
        while (wait := self.try_acquire()) > 0:
            self._sleep(wait)
            waited += wait
        return waited


class RateLimiter:
    """One bucket for the partner, one per shop, a semaphore capping requests in flight and,
    optionally, a budget shared with the other processes of the deployment."""

    def __init__(
        self, shop_rate: float, partner_rate: float, max_concurrency: int, shared: SharedBudget | None = None
    ) -> None:
        self._shared = shared
        self._shop_rate = shop_rate
        self._partner = TokenBucket(partner_rate, max(1.0, partner_rate))
        self._shops: dict[int | None, TokenBucket] = {}
        self._shops_lock = threading.Lock()
        self._in_flight = threading.BoundedSemaphore(max_concurrency)

    def _shop_bucket(self, shop_id: int | None) -> TokenBucket:
        with self._shops_lock:
            bucket = self._shops.get(shop_id)
            if bucket is None:
                bucket = self._shops[shop_id] = TokenBucket(self._shop_rate, max(1.0, self._shop_rate))
            return bucket

    @contextmanager
    def slot(self, shop_id: int | None) -> Iterator[float]:
        """Wait for the shop's and the partner's buckets and a free slot; yield the seconds waited.

        Public (partner-level) calls pass ``shop_id=None`` and share one bucket.
        """
        started = time.monotonic()
        self._shop_bucket(shop_id).acquire()
        self._partner.acquire()
        if self._shared is not None:
            self._shared.acquire()
        with self._in_flight:
            yield time.monotonic() - started
