"""PostgresTokenStore against a real Postgres: round trip, upsert, and the row-locked refresh race."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from shopee_pipeline.shopee import ShopTokens
from shopee_pipeline.warehouse.token_store import PostgresTokenStore

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def tokens(access: str, refresh: str, minutes: int = 240) -> ShopTokens:
    return ShopTokens(access, refresh, NOW + timedelta(minutes=minutes), NOW + timedelta(days=30))


def test_load_save_upsert(warehouse) -> None:
    store = PostgresTokenStore(warehouse.engine, warehouse.schema)
    assert store.load(1) is None
    store.save(1, tokens("a1", "r1"))
    store.save(1, tokens("a2", "r2", minutes=10))
    assert store.load(1) == tokens("a2", "r2", minutes=10)
    assert "a2" not in repr(store.load(1))


def test_refresh_locked_skips_when_no_longer_needed(warehouse) -> None:
    store = PostgresTokenStore(warehouse.engine, warehouse.schema)
    store.save(5, tokens("fresh", "r"))
    result = store.refresh_locked(5, lambda t: t.access_token == "stale", lambda t: tokens("x", "y"))
    assert result.access_token == "fresh"


def test_concurrent_refresh_spends_the_refresh_token_once(warehouse) -> None:
    PostgresTokenStore(warehouse.engine, warehouse.schema).save(9, tokens("old", "old-r"))
    calls: list[str] = []
    results: dict[int, ShopTokens] = {}
    barrier = threading.Barrier(2)

    def do_refresh(current: ShopTokens) -> ShopTokens:
        calls.append(current.refresh_token)
        time.sleep(0.3)  # hold the lock while the other worker waits on it
        return tokens("new", "new-r")

    def worker(i: int) -> None:
        store = PostgresTokenStore(warehouse.engine, warehouse.schema)  # a separate instance per worker
        barrier.wait()
        results[i] = store.refresh_locked(9, lambda t: t.access_token == "old", do_refresh)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["old-r"]
    assert results[0] == results[1] == tokens("new", "new-r")
    assert PostgresTokenStore(warehouse.engine, warehouse.schema).load(9) == tokens("new", "new-r")


def test_failed_refresh_leaves_the_stored_tokens_untouched(warehouse) -> None:
    store = PostgresTokenStore(warehouse.engine, warehouse.schema)
    store.save(3, tokens("old", "old-r"))

    def boom(current: ShopTokens) -> ShopTokens:
        raise RuntimeError("shopee down")

    with pytest.raises(RuntimeError):
        store.refresh_locked(3, lambda t: True, boom)
    assert store.load(3) == tokens("old", "old-r")
