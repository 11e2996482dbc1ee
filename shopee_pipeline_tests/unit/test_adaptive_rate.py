"""The adaptive rate on a fake clock against a fake Shopee with hidden limits: it reaches 90 % of the
limit within 30 s, is throttled on at most 1 % of a day's calls, never exceeds the cap, blames the right
scope, and starts a new run from what an earlier one learned."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from shopee_pipeline.shopee.adaptive import AdaptiveRate, LearnedRate, merge
from shopee_pipeline.shopee.ratelimit import RateLimiter


class FakeClock:
    """Monotonic seconds that only `sleep` moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeShopee:
    """Hidden limits as the sandbox enforces them: calls let through in a sliding second, per partner and
    per shop; a refused call counts in no window."""

    clock: FakeClock
    partner_limit: float | None = None
    shop_limits: dict[int, float] = field(default_factory=dict)
    windows: dict[int | None, deque[float]] = field(default_factory=dict)
    admitted: Counter[int] = field(default_factory=Counter)  # per second of the clock
    throttled: int = 0

    def _full(self, key: int | None, limit: float | None) -> bool:
        window = self.windows.setdefault(key, deque())
        while window and window[0] <= self.clock.now - 1.0:
            window.popleft()
        return limit is not None and len(window) >= limit

    def call(self, shop_id: int) -> bool:
        """Whether the call is answered (False: error_rate_limit)."""
        if self._full(None, self.partner_limit) or self._full(shop_id, self.shop_limits.get(shop_id)):
            self.throttled += 1
            return False
        self.windows[None].append(self.clock.now)
        self.windows[shop_id].append(self.clock.now)
        self.admitted[int(self.clock.now)] += 1
        return True

    def rate(self, start: int, end: int) -> float:
        """Answered calls per second over whole seconds [start, end)."""
        return sum(self.admitted[s] for s in range(start, end)) / (end - start)


def drive(limiter: RateLimiter, shopee: FakeShopee, shops: Sequence[int], seconds: float) -> list[float]:
    """Send calls as fast as the limiter lets, shops in turn, until the clock reaches `seconds`; return
    the partner rate seen after every call."""
    clock, rates, turn = shopee.clock, [], 0
    while clock.now < seconds:
        shop_id = shops[turn % len(shops)]
        turn += 1
        with limiter.slot(shop_id):
            answered = shopee.call(shop_id)
        limiter.record(shop_id, throttled=not answered)
        rates.append(limiter.rate())
    return rates


def limiter_on(clock: FakeClock, cap: float = 100.0, shared: object = None) -> RateLimiter:
    """A limiter with the client's defaults (10/s per shop to start), capped at `cap`."""
    return RateLimiter(10.0, cap, 8, shared, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]


@pytest.mark.parametrize("limit", [4.0, 40.0, 90.0])
def test_reaches_90_percent_of_a_hidden_shop_limit_within_30_s(limit: float) -> None:
    clock = FakeClock()
    shopee = FakeShopee(clock, shop_limits={1: limit})
    limiter = limiter_on(clock)
    drive(limiter, shopee, [1], 30.0)
    assert max(shopee.rate(second, second + 1) for second in range(30)) >= 0.9 * limit
    drive(limiter, shopee, [1], 300.0)  # and holds it on average
    assert shopee.rate(30, 300) >= 0.9 * limit
    assert max(shopee.admitted.values()) <= limit


def test_a_hidden_partner_limit_is_learned_by_the_partner_not_the_shops() -> None:
    clock = FakeClock()
    shopee = FakeShopee(clock, partner_limit=30.0)
    limiter = limiter_on(clock)
    drive(limiter, shopee, [1, 2, 3, 4], 30.0)
    assert 0.9 * 30 <= limiter.rate() <= 30 * 1.1
    assert shopee.rate(25, 30) >= 0.9 * 30
    # each shop gets its share of the partner's 30/s, yet keeps a rate of its own above that share
    assert all(limiter.rate(shop) > 30 / 4 for shop in (1, 2, 3, 4))


def test_throttled_share_over_a_simulated_day_is_at_most_1_percent() -> None:
    clock = FakeClock()
    shopee = FakeShopee(clock, shop_limits={1: 2.0})
    drive(limiter_on(clock), shopee, [1], 86_400.0)
    answered = sum(shopee.admitted.values())
    assert shopee.throttled / (answered + shopee.throttled) <= 0.01
    assert answered / 86_400 >= 0.9 * 2.0


def test_the_cap_is_never_exceeded() -> None:
    clock = FakeClock()
    shopee = FakeShopee(clock)  # no hidden limit: only the cap holds the rate
    limiter = limiter_on(clock, cap=25.0)
    rates = drive(limiter, shopee, [1], 60.0)
    assert max(rates) <= 25.0 and limiter.rate(1) <= 25.0
    assert shopee.rate(10, 60) == pytest.approx(25.0, rel=0.05)
    # a second holds at most the cap plus the bucket's burst of one request
    assert max(shopee.admitted.values()) <= 25.0 + 1
    assert shopee.throttled == 0


class MemoryBudget:
    """A SharedBudget without Postgres: no waiting, learned rates in a dict."""

    def __init__(self) -> None:
        self.rows: dict[str, LearnedRate] = {}
        self.rate = 0.0

    def acquire(self) -> float:
        return 0.0

    def set_rate(self, rate: float) -> None:
        self.rate = rate

    def recall(self, scope: str) -> LearnedRate | None:
        return self.rows.get(scope)

    def exchange(self, scope: str, base: LearnedRate, local: LearnedRate) -> LearnedRate:
        self.rows[scope] = merge(self.rows.get(scope, base), base, local)
        return self.rows[scope]


def test_a_new_run_starts_from_what_the_last_one_learned() -> None:
    clock, budget = FakeClock(), MemoryBudget()
    first = FakeShopee(clock, shop_limits={1: 40.0})
    drive(limiter_on(clock, shared=budget), first, [1], 60.0)
    learned = budget.rows["shop:1"]
    assert learned.ceiling is not None and 0.9 * 40 <= learned.rate <= 40
    assert budget.rate == budget.rows["partner"].rate  # the shared budget follows the partner

    start = int(clock.now) + 1
    second = FakeShopee(clock, shop_limits={1: 40.0})
    limiter = limiter_on(clock, shared=budget)
    assert limiter.rate(1) == pytest.approx(max(learned.rate, 0.95 * learned.ceiling))  # not a cut's dip
    drive(limiter, second, [1], start + 5.0)
    # no slow start from 10/s again (the first run's first 2 s), at worst one cut from the limit
    assert second.rate(start, start + 5) >= 0.7 * 40 > first.rate(0, 2)


def test_a_new_run_resumes_at_the_hold_not_at_the_dip_of_the_last_cut() -> None:
    clock, budget = FakeClock(), MemoryBudget()
    budget.rows["shop:1"] = LearnedRate(0.7 * 40.0, 40.0, 3)  # stored right after a cut
    budget.rows["shop:2"] = LearnedRate(12.0)  # never throttled: no ceiling, its rate as it was
    limiter = limiter_on(clock, shared=budget)
    assert limiter.rate(1) == pytest.approx(0.95 * 40.0)
    assert limiter.rate(2) == 12.0


def test_throttles_within_the_cooldown_cut_once() -> None:
    clock = FakeClock()
    control = AdaptiveRate(LearnedRate(20.0), cap=100.0, clock=clock)
    assert control.throttled() and not control.throttled()
    assert control.learned == LearnedRate(20.0 * 0.7, 20.0, 1)
    clock.now += 1.0
    assert control.throttled(sent=10.0)  # the rate actually sent is the ceiling
    assert control.learned == LearnedRate(10.0 * 0.7, 10.0, 2)


def test_merge_a_cut_anywhere_wins_and_growth_adds_up() -> None:
    base = LearnedRate(50.0, 60.0, 3)
    grown = LearnedRate(55.0, 60.0, 3)
    cut = LearnedRate(35.0, 50.0, 4)
    assert merge(cut, base, grown) == cut  # another process was throttled: take its state
    assert merge(base, base, cut) == cut  # this one was
    assert merge(LearnedRate(30.0, 40.0, 4), base, cut) == LearnedRate(30.0, 40.0, 5)  # both: the lower
    assert merge(LearnedRate(52.0, 60.0, 3), base, grown) == LearnedRate(52.0 * 1.1, 60.0, 3)
