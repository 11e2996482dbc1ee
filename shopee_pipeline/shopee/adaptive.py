"""Adaptive request rate: an AIMD controller that finds the limit Shopee enforces and holds just under it.

Shopee publishes no numeric rate limits (docs/shopee-api-notes.md#rate-limits); its only signal is an
``error_rate_limit`` answer. One :class:`AdaptiveRate` per limiter scope (the partner, each shop) turns
those answers and the successes into a rate:

- while no ceiling is known the rate doubles per second of clean traffic (``slow_start``);
- once throttled, the rate at which throttling began (what was actually sent, when the caller knows it)
  is the ceiling estimate and the rate is cut from it (``decrease``: x0.7); answers throttled during the
  ``cooldown`` that follows were sent before the cut and change nothing;
- below ``hold`` x ceiling (95 %) the rate climbs back (``increase``: +5 % per second of clean traffic);
- at the hold the ceiling itself creeps up (``probe``: +0.05 % per second), so a limit that was raised
  is found again (twice the limit in 23 minutes) and a lowered one costs one throttle. Holding at the
  limit costs about one throttled answer every two minutes.

"A second of clean traffic" is ``rate`` successful answers: growth follows what was actually sent, so an
idle scope does not drift up. Every rate stays within ``[floor, cap]``; the cap is
``SHOPEE_MAX_REQUESTS_PER_SECOND``. Pure: no I/O, the clock is injected.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LearnedRate:
    """What a scope has learned: the rate to send at, the ceiling estimate (``None`` until a throttle)
    and ``cuts``, how many throttles cut the rate so far (it tells processes sharing a scope that
    another one was throttled)."""

    rate: float
    ceiling: float | None = None
    cuts: int = 0


@dataclass(frozen=True)
class AimdSettings:
    """The controller's constants (see the module docstring)."""

    slow_start: float = 1.0
    increase: float = 0.05
    probe: float = 0.0005
    decrease: float = 0.7
    hold: float = 0.95
    cooldown: float = 1.0
    floor: float = 0.2


class AdaptiveRate:
    """AIMD rate of one scope, between ``settings.floor`` and ``cap``. Thread-safe."""

    def __init__(
        self,
        learned: LearnedRate,
        cap: float,
        clock: Callable[[], float],
        settings: AimdSettings | None = None,
    ) -> None:
        if cap <= 0:
            raise ValueError("cap must be positive")
        self._cap, self._clock = cap, clock
        self._settings = settings or AimdSettings()
        self._lock = threading.Lock()
        self._quiet_until = float("-inf")
        self._rate, self._cuts = 0.0, 0
        self._ceiling: float | None = None
        self.adopt(learned)

    @property
    def rate(self) -> float:
        """The rate to send at now (requests per second)."""
        return self._rate

    @property
    def learned(self) -> LearnedRate:
        """The current state, as it is remembered across runs."""
        with self._lock:
            return LearnedRate(self._rate, self._ceiling, self._cuts)

    def adopt(self, learned: LearnedRate) -> None:
        """Take ``learned`` as the current state (clamped to ``[floor, cap]``)."""
        s = self._settings
        with self._lock:
            self._rate = min(self._cap, max(s.floor, learned.rate))
            self._ceiling = None if learned.ceiling is None else min(self._cap / s.hold, learned.ceiling)
            self._cuts = learned.cuts

    def succeeded(self) -> None:
        """One answer was not throttled: grow by one ``rate``-th of a second of clean traffic."""
        s = self._settings
        with self._lock:
            if self._clock() < self._quiet_until:
                return
            step = 1.0 / self._rate
            if self._ceiling is None:
                self._rate = min(self._cap, self._rate * (1 + s.slow_start) ** step)
                return
            target = min(self._cap, s.hold * self._ceiling)
            if self._rate < target:
                self._rate = min(target, self._rate * (1 + s.increase) ** step)
            else:
                self._ceiling = min(self._cap / s.hold, self._ceiling * (1 + s.probe) ** step)
                self._rate = min(self._cap, s.hold * self._ceiling)

    def throttled(self, sent: float | None = None) -> bool:
        """One answer was ``error_rate_limit``: the rate at which throttling began (``sent``, what was
        actually sent lately, when known and lower than the rate) is the new ceiling and the rate is cut
        from it, unless a cut happened less than ``cooldown`` ago. Return whether the rate was cut."""
        s = self._settings
        with self._lock:
            now = self._clock()
            if now < self._quiet_until:
                return False
            self._ceiling = max(s.floor, self._rate if sent is None else min(self._rate, sent))
            self._rate = max(s.floor, self._ceiling * s.decrease)
            self._cuts += 1
            self._quiet_until = now + s.cooldown
            return True


def resumed(learned: LearnedRate, settings: AimdSettings | None = None) -> LearnedRate:
    """The state a new run starts a scope from: what was learned, at the hold below its ceiling when one
    is known. The stored rate may be the dip right after a cut (x0.7), a reaction to a throttle that is
    over; a new run starting there would spend its first seconds climbing back."""
    if learned.ceiling is None:
        return learned
    hold = (settings or AimdSettings()).hold * learned.ceiling
    return LearnedRate(max(learned.rate, hold), learned.ceiling, learned.cuts)


def merge(stored: LearnedRate, base: LearnedRate, local: LearnedRate) -> LearnedRate:
    """Combine a scope's state shared by several processes: ``stored`` is what the store holds now,
    ``base`` what this process read at its last exchange, ``local`` what its controller holds now.

    A cut anywhere wins over growth: if another process cut since ``base``, its state is taken (the lower
    rate if this process cut too); if only this one cut, its state is. Without cuts the growth of every
    process adds up: the stored rate and ceiling grow by this process's factor since ``base``.
    """
    ours = local.cuts - base.cuts
    if stored.cuts != base.cuts:
        lower = min(stored, local, key=lambda learned: learned.rate) if ours else stored
        return LearnedRate(lower.rate, lower.ceiling, stored.cuts + max(0, ours))
    if ours:
        return LearnedRate(local.rate, local.ceiling, stored.cuts + ours)
    ceiling = local.ceiling
    if stored.ceiling is not None and local.ceiling is not None and base.ceiling is not None:
        ceiling = stored.ceiling * local.ceiling / base.ceiling
    return LearnedRate(stored.rate * local.rate / base.rate, ceiling, stored.cuts)
