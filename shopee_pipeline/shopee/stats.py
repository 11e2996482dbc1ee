"""Thread-safe counters of what the client spent: calls per path, retries, backoff, refreshes, warnings."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ApiWarning:
    """A ``warning`` Shopee attached to a successful answer."""

    path: str
    shop_id: int | None
    text: str


@dataclass(frozen=True)
class StatsSnapshot:
    """An immutable copy of :class:`ClientStats` at one moment."""

    calls: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    backoff_seconds: float = 0.0
    throttle_seconds: float = 0.0
    refreshes: int = 0
    warnings: tuple[ApiWarning, ...] = ()

    @property
    def total_calls(self) -> int:
        """Every HTTP request sent to Shopee, retries included."""
        return sum(self.calls.values())

    def since(self, earlier: StatsSnapshot) -> StatsSnapshot:
        """Return what was spent between ``earlier`` and this snapshot (e.g. by one Dagster step)."""
        calls = Counter(self.calls)
        calls.subtract(earlier.calls)
        return StatsSnapshot(
            calls={path: n for path, n in calls.items() if n},
            retries=self.retries - earlier.retries,
            backoff_seconds=self.backoff_seconds - earlier.backoff_seconds,
            throttle_seconds=self.throttle_seconds - earlier.throttle_seconds,
            refreshes=self.refreshes - earlier.refreshes,
            warnings=self.warnings[len(earlier.warnings) :],
        )


class ClientStats:
    """Mutable, thread-safe counters shared by the transport, the token manager and the client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._retries = 0
        self._backoff_seconds = 0.0
        self._throttle_seconds = 0.0
        self._refreshes = 0
        self._warnings: list[ApiWarning] = []

    def record_call(self, path: str) -> None:
        """Count one HTTP request to ``path``."""
        with self._lock:
            self._calls[path] += 1

    def record_retry(self, backoff_seconds: float) -> None:
        """Count one retry and the backoff slept before it."""
        with self._lock:
            self._retries += 1
            self._backoff_seconds += backoff_seconds

    def record_throttle(self, seconds: float) -> None:
        """Add time spent waiting for the rate limiters."""
        with self._lock:
            self._throttle_seconds += seconds

    def record_refresh(self) -> None:
        """Count one access-token refresh call."""
        with self._lock:
            self._refreshes += 1

    def record_warning(self, path: str, shop_id: int | None, text: str) -> None:
        """Keep a ``warning`` Shopee returned with a successful answer."""
        with self._lock:
            self._warnings.append(ApiWarning(path, shop_id, text))

    def snapshot(self) -> StatsSnapshot:
        """Return a consistent immutable copy of the counters."""
        with self._lock:
            return StatsSnapshot(
                calls=dict(self._calls),
                retries=self._retries,
                backoff_seconds=self._backoff_seconds,
                throttle_seconds=self._throttle_seconds,
                refreshes=self._refreshes,
                warnings=tuple(self._warnings),
            )
