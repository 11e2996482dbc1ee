"""Token-bucket rate limiters (per shop and per partner) whose rates adapt, and a concurrency cap."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from shopee_pipeline.shopee.adaptive import AdaptiveRate, AimdSettings, LearnedRate, resumed

BURST_SECONDS = 0.05
"""A bucket holds this many seconds' worth of requests: smooth pacing, so that a burst after a pause does
not trip a limit the steady rate stays under."""

BINDING_SECONDS = 1.0
BINDING_SHARE = 0.8
"""A bucket that let through at least this share of its rate over the last ``BINDING_SECONDS`` is the
one pacing the traffic (the shared budget: one that made a request wait that recently)."""


_EPSILON = 1e-9


class SharedBudget(Protocol):
    """What the processes of a deployment share (e.g. in Postgres): a request budget at the learned
    partner rate, and what every scope learned about Shopee's limits."""

    def acquire(self) -> float:
        """Block until one request may be sent; return the seconds spent waiting."""

    def set_rate(self, rate: float) -> None:
        """Follow the learned partner rate (the budget never exceeds its own cap)."""

    def recall(self, scope: str) -> LearnedRate | None:
        """What ``scope`` learned in earlier runs or other processes, if anything."""

    def exchange(self, scope: str, base: LearnedRate, local: LearnedRate) -> LearnedRate:
        """Store this process's ``local`` state of ``scope`` (learned since ``base``, its state after the
        last exchange) merged with the stored one (``adaptive.merge``); return the result."""


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
        self._taken: deque[float] = deque()
        self._lock = threading.Lock()

    def _refill(self) -> float:
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
        self._last = now
        return now

    def set_rate(self, rate: float, capacity: float) -> None:
        """Refill at the old rate up to now, then continue at ``rate`` holding at most ``capacity``."""
        with self._lock:
            self._refill()
            self._rate, self._capacity = rate, capacity
            self._tokens = min(self._tokens, capacity)

    def try_acquire(self) -> float:
        """Take one token if available and return 0, else return the seconds until one will be."""
        with self._lock:
            now = self._refill()
            if self._tokens >= 1 - _EPSILON:  # a deficit below float resolution is no wait
                self._tokens -= 1
                self._taken.append(now)
                self._forget(now)
                return 0.0
            return (1 - self._tokens) / self._rate

    def sent(self) -> float:
        """Tokens taken per second over the last ``BINDING_SECONDS``."""
        with self._lock:
            self._forget(self._clock())
            return len(self._taken) / BINDING_SECONDS

    def binding(self) -> bool:
        """Whether the tokens taken lately reach ``BINDING_SHARE`` of the rate: this bucket paces them."""
        return self.sent() >= BINDING_SHARE * self._rate

    def _forget(self, now: float) -> None:
        while self._taken and self._taken[0] < now - BINDING_SECONDS:
            self._taken.popleft()

    def acquire(self) -> float:
        """Block until a token is taken; return the seconds spent waiting."""
        waited = 0.0
        while (wait := self.try_acquire()) > 0:
            self._sleep(wait)
            waited += wait
        return waited


FLOOR_SHARE = 0.1


class _Scope:
    """One limiter scope: its bucket, its AIMD controller and its last exchange with the budget."""

    def __init__(
        self,
        name: str,
        learned: LearnedRate,
        cap: float,
        sync_seconds: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        floor: float,
    ) -> None:
        self.name, self.sync_seconds = name, sync_seconds
        self.control = AdaptiveRate(learned, cap, clock, AimdSettings(floor=floor))
        rate = self.control.rate
        self.bucket = TokenBucket(rate, _capacity(rate), clock, sleep)
        self.base = self.control.learned
        self.synced_at = clock()
        self.syncing = threading.Lock()

    def follow(self) -> None:
        """Pace the bucket at the controller's rate."""
        rate = self.control.rate
        self.bucket.set_rate(rate, _capacity(rate))


def _capacity(rate: float) -> float:
    return max(1.0, rate * BURST_SECONDS)


class RateLimiter:
    """One bucket for the partner, one per shop, a semaphore capping requests in flight and,
    optionally, a budget shared with the other processes of the deployment.

    Every bucket's rate adapts (:mod:`shopee_pipeline.shopee.adaptive`): shops start at ``shop_rate``,
    the partner at ``partner_rate``, which is also the cap of every scope. :meth:`record` reports each
    answer. A throttled answer is blamed on the partner when another shop was throttled within the last
    second or when the partner's bucket (or the shared budget) paced the traffic lately and the shop's
    did not; else on the shop. The ceiling is then what that scope actually sent over the last second.
    With a shared budget, each scope resumes from what it learned before (``adaptive.resumed``; scope
    ``partner:<id>``, ``shop:<id>``, ``<partner scope>:public`` for public calls) and exchanges its state
    with the other processes every ``sync_seconds`` (ten times as rarely for a shop).
    """

    def __init__(
        self,
        shop_rate: float,
        partner_rate: float,
        max_concurrency: int,
        shared: SharedBudget | None = None,
        *,
        partner_scope: str = "partner",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        sync_seconds: float = 1.0,
    ) -> None:
        self._shared, self._clock, self._sleep, self._sync_seconds = shared, clock, sleep, sync_seconds
        self._shop_rate, self._cap, self._partner_scope = shop_rate, partner_rate, partner_scope
        self._partner = self._new_scope(partner_scope, partner_rate)
        self._follow_partner()
        self._partner_waited_at = float("-inf")
        self._shops: dict[int | None, _Scope] = {}
        self._throttled_at: dict[int | None, float] = {}
        self._shops_lock = threading.Lock()
        self._in_flight = threading.BoundedSemaphore(max_concurrency)

    def _new_scope(self, name: str, initial: float) -> _Scope:
        recalled = self._shared.recall(name) if self._shared is not None else None
        every = self._sync_seconds * (1 if name == self._partner_scope else 10)
        # Never below a tenth of the rate the scope starts from: sporadic error_rate_limit answers that do
        # not come from the rate (a flaky gateway) would otherwise walk it down to a crawl.
        floor = max(AimdSettings().floor, FLOOR_SHARE * initial)
        return _Scope(
            name,
            LearnedRate(initial) if recalled is None else resumed(recalled),
            self._cap,
            every,
            self._clock,
            self._sleep,
            floor,
        )

    def _shop(self, shop_id: int | None) -> _Scope:
        with self._shops_lock:
            scope = self._shops.get(shop_id)
            if scope is None:
                name = f"{self._partner_scope}:public" if shop_id is None else f"shop:{shop_id}"
                scope = self._shops[shop_id] = self._new_scope(name, self._shop_rate)
            return scope

    def rate(self, shop_id: int | None = None) -> float:
        """The partner's current rate, or the shop's with ``shop_id``."""
        return (self._partner if shop_id is None else self._shop(shop_id)).control.rate

    @contextmanager
    def slot(self, shop_id: int | None, shared: bool = True) -> Iterator[float]:
        """Wait for the shop's and the partner's buckets, the shared budget (unless ``shared`` is
        false) and a free slot; yield the seconds waited.

        Public (partner-level) calls pass ``shop_id=None`` and share one bucket.
        """
        started = self._clock()
        self._shop(shop_id).bucket.acquire()
        self._partner.bucket.acquire()
        if shared and self._shared is not None and self._shared.acquire() > 0:
            self._partner_waited_at = self._clock()
        with self._in_flight:
            yield self._clock() - started

    def record(self, shop_id: int | None, *, throttled: bool, share: bool = True) -> None:
        """Report an answer of ``shop_id`` (``error_rate_limit`` or not) to the scope it tells about;
        with ``share`` false, learned rates are not exchanged with the other processes this time."""
        shop = self._shop(shop_id)
        if not throttled:
            scopes: tuple[_Scope, ...] = (shop, self._partner)
            for scope in scopes:
                scope.control.succeeded()
        else:
            scopes = (self._partner,) if self._blames_partner(shop_id, shop) else (shop,)
            scopes[0].control.throttled(scopes[0].bucket.sent())
        for scope in scopes:
            scope.follow()
            if share:
                self._maybe_sync(scope)
        if share and self._partner in scopes:
            self._follow_partner()

    def _follow_partner(self) -> None:
        if self._shared is not None:
            self._shared.set_rate(self._partner.control.rate)

    def _blames_partner(self, shop_id: int | None, shop: _Scope) -> bool:
        """A throttle is the partner's when another shop was throttled within ``BINDING_SECONDS``, or
        when the partner's bucket (or the shared budget) paces the traffic and the shop's does not."""
        now = self._clock()
        with self._shops_lock:
            others = any(now - at <= BINDING_SECONDS for s, at in self._throttled_at.items() if s != shop_id)
            self._throttled_at[shop_id] = now
        if others:
            return True
        partner = self._partner.bucket.binding() or now - self._partner_waited_at <= BINDING_SECONDS
        return partner and not shop.bucket.binding()

    def _maybe_sync(self, scope: _Scope) -> None:
        if self._shared is None or self._clock() - scope.synced_at < scope.sync_seconds:
            return
        if not scope.syncing.acquire(blocking=False):
            return
        try:
            scope.synced_at = self._clock()
            local = scope.control.learned
            merged = self._shared.exchange(scope.name, scope.base, local)
            if scope.control.learned.cuts == local.cuts:
                scope.control.adopt(merged)
                scope.follow()
                scope.base = scope.control.learned  # clamped to this process's cap
            else:  # cut meanwhile: keep the cut, the next exchange stores it
                scope.base = merged
        finally:
            scope.syncing.release()
