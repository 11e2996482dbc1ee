"""The simulated clock: frozen by default, moved by ``advance``, optionally ticking at a rate until
``freeze`` stops it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class SimClock:
    """Simulated Unix time = ``start + advanced + rate * real seconds elapsed`` (whole seconds), never
    later than ``ceiling()`` when given (a fast clock that starts in the past catches up with the real
    time, then follows it)."""

    def __init__(self, start: int, rate: float = 0.0, ceiling: Callable[[], float] | None = None) -> None:
        self._ceiling = ceiling
        self._start = float(start)
        self._rate = rate
        self._mono0 = time.monotonic()
        self._advanced = 0.0
        self._lock = threading.Lock()

    @property
    def ticking(self) -> bool:
        """Whether the clock moves on its own (``rate > 0``)."""
        return self._rate > 0

    def now(self) -> int:
        """Current simulated Unix seconds."""
        with self._lock:
            simulated = self._start + self._advanced + self._rate * (time.monotonic() - self._mono0)
        return int(simulated if self._ceiling is None else min(simulated, self._ceiling()))

    def freeze(self) -> int:
        """Stop a ticking clock where it stands (``advance`` still moves it); returns that time."""
        with self._lock:
            mono = time.monotonic()
            self._start += self._advanced + self._rate * (mono - self._mono0)
            self._advanced, self._rate, self._mono0 = 0.0, 0.0, mono
        return self.now()

    def advance(self, seconds: float) -> int:
        """Move the clock forward by ``seconds`` (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError("the simulated clock only moves forward")
        with self._lock:
            self._advanced += seconds
        return self.now()
