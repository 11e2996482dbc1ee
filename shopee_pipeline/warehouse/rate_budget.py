"""`PostgresRateBudget`: one Shopee request rate for the whole deployment, kept in Postgres.

A token bucket in the `rate_budget` row named after the partner: every process (auto-sync runs, push
runs, the lost-push job) takes its requests from it, so all of them together stay under the learned
partner rate (`set_rate`, from the adaptive limiter), never above `SHOPEE_MAX_REQUESTS_PER_SECOND`. A
process reserves a few tokens per round trip to keep the database out of the hot path. The budget also
keeps what every scope learned (`warehouse.learned_rates`, table `rate_limits`), so the processes share
it and a new run starts from it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, text

from shopee_pipeline.shopee.adaptive import LearnedRate
from shopee_pipeline.warehouse import learned_rates

_AVAILABLE = "LEAST(:capacity, tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at) * :rate)"


class PostgresRateBudget:
    """Deployment-wide token bucket: at most `rate` (the cap) requests per second, bursts up to one
    second's worth."""

    def __init__(
        self,
        engine: Engine,
        schema: str,
        name: str,
        rate: float,
        chunk: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._engine, self._schema, self._table = engine, schema, f'"{schema}".rate_budget'
        self._name, self._cap, self._fixed_chunk = name, rate, chunk
        self._sleep = sleep
        self._local = 0
        self._lock = threading.Lock()
        self.set_rate(rate)

    def set_rate(self, rate: float) -> None:
        """Follow the learned partner rate, never above the cap."""
        self._rate = min(self._cap, rate)
        # A tenth of a second's worth per round trip (10 at 100/s): few round trips, little hoarding.
        self._capacity = max(1.0, self._rate)
        self._chunk = max(1, min(self._fixed_chunk or int(self._rate / 10), int(self._capacity)))

    def recall(self, scope: str) -> LearnedRate | None:
        """What `scope` learned in earlier runs or other processes (`rate_limits`), if anything."""
        return learned_rates.recall(self._engine, self._schema, scope)

    def exchange(self, scope: str, base: LearnedRate, local: LearnedRate) -> LearnedRate:
        """Merge this process's state of `scope` into `rate_limits`; return the merged state."""
        return learned_rates.exchange(self._engine, self._schema, scope, base, local)

    def _reserve(self, n: int) -> float:
        """Take `n` tokens if the bucket holds them (return 0), else return the seconds to wait."""
        params = {"name": self._name, "n": n, "rate": self._rate, "capacity": self._capacity}
        with self._engine.begin() as conn:
            conn.execute(
                text(
                    f"INSERT INTO {self._table} (name, tokens, updated_at) "
                    "VALUES (:name, :capacity, clock_timestamp()) ON CONFLICT (name) DO NOTHING"
                ),
                params,
            )
            available: float = conn.execute(
                text(f"SELECT {_AVAILABLE} FROM {self._table} WHERE name = :name FOR UPDATE"), params
            ).scalar_one()
            if available < n:
                return (n - available) / self._rate
            conn.execute(
                text(
                    f"UPDATE {self._table} SET tokens = {_AVAILABLE} - :n, updated_at = clock_timestamp() "
                    "WHERE name = :name"
                ),
                params,
            )
            return 0.0

    def acquire(self) -> float:
        """Block until one request may be sent; return the seconds spent waiting."""
        waited = 0.0
        with self._lock:
            while self._local == 0:
                wait = self._reserve(self._chunk)
                if wait == 0:
                    self._local = self._chunk
                else:
                    self._sleep(wait)
                    waited += wait
            self._local -= 1
        return waited
