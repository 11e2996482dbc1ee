"""The pipeline's one source of "now": every decision that depends on the hour reads it here.

Partition windows and high-water marks (`lib/sync_runs.plan_run`), the escrow check's "a day ago", the
authorization watch, run housekeeping, token expiry and the sandbox's starting instant all call `now()` or
`timestamp()`, never `time.time()` or `datetime.now()` themselves. Two ways to choose the instant:

- `SHOPEE_CLOCK_OFFSET_SECONDS` (whole or fractional seconds, may be negative) shifts this process's clock
  and, through the environment, every process it starts: `make test-at WIB=hh:mm` runs the whole suite at
  that hour of Jakarta with it, and a demo can show tomorrow's midnight now. Dagster's own clock (when a
  schedule ticks, which daily partitions exist) is not shifted by it.
- `frozen_at(instant)` pins this process's clock for a block, for tests.

What this clock does not govern: the `timestamp` of a signed Shopee request, which Shopee checks against
its own clock and must therefore be the real time, and elapsed-time measurements (`time.monotonic`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

OFFSET_ENV = "SHOPEE_CLOCK_OFFSET_SECONDS"

_pinned: Callable[[], float] | None = None


def offset_seconds(environ: Mapping[str, str] | None = None) -> float:
    """The shift `SHOPEE_CLOCK_OFFSET_SECONDS` asks for in `environ` (default: this process's
    environment), 0 when unset; ValueError naming the variable when it is not a number."""
    raw = (os.environ if environ is None else environ).get(OFFSET_ENV, "").strip()
    if not raw:
        return 0.0
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{OFFSET_ENV} must be a number of seconds, got {raw!r}") from None


def timestamp() -> float:
    """Now, in Unix seconds: the pinned instant inside `frozen_at`, else the real clock shifted by
    `SHOPEE_CLOCK_OFFSET_SECONDS`."""
    if _pinned is not None:
        return _pinned()
    return time.time() + offset_seconds()


def now() -> datetime:
    """Now, as an aware UTC datetime (see `timestamp`)."""
    return datetime.fromtimestamp(timestamp(), UTC)


@contextmanager
def frozen_at(instant: datetime | float) -> Iterator[None]:
    """Within the block, `now()` and `timestamp()` of this process answer `instant` (an aware datetime
    or Unix seconds)."""
    global _pinned
    seconds = instant.timestamp() if isinstance(instant, datetime) else float(instant)
    before, _pinned = _pinned, lambda: seconds
    try:
        yield
    finally:
        _pinned = before
