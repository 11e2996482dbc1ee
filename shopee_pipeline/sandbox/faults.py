"""Fault injection: latency, random faults of configurable kinds and hidden rate limits.

The hidden limits (per partner, per shop with per-shop overrides) count the calls they let through in a
sliding one-second window; a call over a limit is answered Shopee's ``error_rate_limit`` and counted in
no window. Shopee publishes no numbers (docs/shopee-api-notes.md#rate-limits): clients must find them.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque

from .config import FAULT_KINDS


class FaultInjector:
    """Decides, per API call, whether and how it fails. Thread-safe; settings can change at run time."""

    def __init__(
        self,
        *,
        seed: int,
        fault_rate: float,
        kinds: tuple[str, ...],
        latency_ms: float,
        stall_seconds: float,
        shop_rate_limit_per_second: float | None,
        partner_rate_limit_per_second: float | None = None,
        shop_rate_limits: dict[int, float] | None = None,
    ) -> None:
        self._rng = random.Random(f"{seed}:faults")
        self._lock = threading.Lock()
        self._windows: dict[int | None, deque[float]] = {}
        self._counts: Counter[str] = Counter()
        self.fault_rate = fault_rate
        self.kinds = kinds
        self.latency_ms = latency_ms
        self.stall_seconds = stall_seconds
        self.shop_rate_limit_per_second = shop_rate_limit_per_second
        self.partner_rate_limit_per_second = partner_rate_limit_per_second
        self.shop_rate_limits = dict(shop_rate_limits or {})

    def configure(
        self,
        *,
        fault_rate: float | None = None,
        latency_ms: float | None = None,
        kinds: tuple[str, ...] | list[str] | None = None,
        stall_seconds: float | None = None,
        shop_rate_limit_per_second: float | str | None = "keep",
    ) -> None:
        """Change settings; arguments left out keep their value (``shop_rate_limit_per_second=None``
        switches the per-shop limit off)."""
        if fault_rate is not None and not 0.0 <= fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        if kinds is not None and (not kinds or set(kinds) - set(FAULT_KINDS)):
            raise ValueError(f"kinds must be a non-empty subset of {FAULT_KINDS}")
        with self._lock:
            if fault_rate is not None:
                self.fault_rate = fault_rate
            if latency_ms is not None:
                self.latency_ms = latency_ms
            if kinds is not None:
                self.kinds = tuple(kinds)
            if stall_seconds is not None:
                self.stall_seconds = stall_seconds
            if shop_rate_limit_per_second != "keep":
                self.shop_rate_limit_per_second = (
                    None if shop_rate_limit_per_second is None else float(shop_rate_limit_per_second)
                )

    def delay(self) -> None:
        """Sleep the configured per-call latency."""
        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000.0)

    def pick(self, shop_id: int | None) -> str | None:
        """The fault for this call, or None: ``partner_rate_limit`` when the partner is over its limit,
        ``shop_rate_limit`` when the shop is over its own (``shop_rate_limits``, else
        ``shop_rate_limit_per_second``), else one of the kinds with probability ``fault_rate``."""
        with self._lock:
            clock = time.monotonic()
            limited: list[tuple[int | None, str, float | None]] = [
                (None, "partner_rate_limit", self.partner_rate_limit_per_second)
            ]
            if shop_id is not None:
                limit = self.shop_rate_limits.get(shop_id, self.shop_rate_limit_per_second)
                limited.append((shop_id, "shop_rate_limit", limit))
            windows = []
            for key, kind, limit in limited:
                if limit is None:
                    continue
                window = self._windows.setdefault(key, deque())
                while window and window[0] <= clock - 1.0:
                    window.popleft()
                if len(window) >= limit:
                    self._counts[kind] += 1
                    return kind
                windows.append(window)
            for window in windows:
                window.append(clock)
            if self.fault_rate > 0 and self._rng.random() < self.fault_rate:
                kind = self._rng.choice(self.kinds)
                self._counts[kind] += 1
                return kind
            return None

    def counts(self) -> dict[str, int]:
        """Faulted calls per kind, plus ``total``."""
        with self._lock:
            result = dict(self._counts)
        result["total"] = sum(result.values())
        return result

    def reset_counts(self) -> None:
        """Forget the fault counts."""
        with self._lock:
            self._counts.clear()
