"""The `rate_limits` table: what each limiter scope learned of Shopee's limits, read and merged in SQL.

One row per scope (`partner:<id>`, `shop:<id>`); every process exchanges its scope states with it under
a row lock, merging with `shopee.adaptive.merge`, so a new run starts from what earlier ones learned.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from shopee_pipeline.shopee.adaptive import LearnedRate, merge


def _read(conn: Connection, table: str, scope: str, lock: bool) -> LearnedRate | None:
    row = conn.execute(
        text(f"SELECT rate, ceiling, cuts FROM {table} WHERE scope = :scope{' FOR UPDATE' if lock else ''}"),
        {"scope": scope},
    ).one_or_none()
    return None if row is None else LearnedRate(row.rate, row.ceiling, row.cuts)


def recall(engine: Engine, schema: str, scope: str) -> LearnedRate | None:
    """The stored state of `scope`, or None if nothing was learned yet."""
    with engine.connect() as conn:
        return _read(conn, f'"{schema}".rate_limits', scope, lock=False)


def exchange(engine: Engine, schema: str, scope: str, base: LearnedRate, local: LearnedRate) -> LearnedRate:
    """Merge `local` (learned since `base`) into the stored state of `scope`, store it and return it."""
    table = f'"{schema}".rate_limits'
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO {table} (scope, rate, ceiling, cuts) VALUES (:scope, :rate, :ceiling, :cuts) "
                "ON CONFLICT (scope) DO NOTHING"
            ),
            {"scope": scope, "rate": base.rate, "ceiling": base.ceiling, "cuts": base.cuts},
        )
        stored = _read(conn, table, scope, lock=True)
        merged = merge(stored, base, local) if stored is not None else local
        conn.execute(
            text(
                f"UPDATE {table} SET rate = :rate, ceiling = :ceiling, cuts = :cuts, "
                "updated_at = clock_timestamp() WHERE scope = :scope"
            ),
            {"scope": scope, "rate": merged.rate, "ceiling": merged.ceiling, "cuts": merged.cuts},
        )
        return merged
