"""Per-shop sync locks: a second run over the same shop waits, other shops do not, and a run that dies
releases its shops at once. The locks live in an open transaction, which is what lets them hold through
a transaction pooler."""

from __future__ import annotations

import threading
import time
import uuid

from sqlalchemy import text

from shopee_pipeline.warehouse.locks import shop_sync_locks


def _acquire_in_thread(engine, stream: str, shops: list[int]) -> tuple[threading.Thread, dict[str, float]]:
    """Take the locks in a thread (releasing them at once); `times["acquired"]` says when."""
    times: dict[str, float] = {}

    def take() -> None:
        with shop_sync_locks(engine, stream, shops):
            times["acquired"] = time.monotonic()

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    return thread, times


def test_a_shop_is_synced_by_one_run_at_a_time(pg_engine) -> None:
    stream = f"orders-{uuid.uuid4().hex[:8]}"
    with shop_sync_locks(pg_engine, stream, [1, 2]):
        same, same_times = _acquire_in_thread(pg_engine, stream, [2, 3])
        other, other_times = _acquire_in_thread(pg_engine, stream, [3, 4])
        other.join(timeout=10)
        assert "acquired" in other_times  # shops 3 and 4 were free
        time.sleep(0.5)
        assert "acquired" not in same_times  # shop 2 is held
        released = time.monotonic()
    same.join(timeout=10)
    assert same_times["acquired"] >= released


def test_locks_live_in_an_open_transaction_and_die_with_their_connection(pg_engine) -> None:
    stream = f"orders-{uuid.uuid4().hex[:8]}"
    holder_pid: list[int] = []
    stop = threading.Event()

    def hold() -> None:
        try:
            with shop_sync_locks(pg_engine, stream, [7]):
                with pg_engine.connect() as conn:  # find the lock holder's backend
                    holder_pid.extend(
                        conn.execute(
                            text(
                                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                                "AND pid <> pg_backend_pid()"
                            )
                        ).scalars()
                    )
                stop.wait(30)
        except Exception:  # the backend is killed under it
            pass

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    deadline = time.monotonic() + 10
    while not holder_pid and time.monotonic() < deadline:
        time.sleep(0.05)
    [pid] = set(holder_pid)
    with pg_engine.connect() as conn:
        state = conn.execute(
            text("SELECT state FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
        ).scalar_one()
        assert state == "idle in transaction"  # a transaction-level lock, not a session one
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    waiter, times = _acquire_in_thread(pg_engine, stream, [7])
    waiter.join(timeout=10)
    assert "acquired" in times  # released with the dead backend, long before the holder's 30 s
    stop.set()
    holder.join(timeout=10)


def test_a_run_waiting_for_a_shop_says_who_holds_it(pg_engine) -> None:
    stream = f"orders-{uuid.uuid4().hex[:8]}"
    lines: list[str] = []
    with shop_sync_locks(pg_engine, stream, [5], holder="dagster run abcd1234 (shopee_orders)"):

        def wait() -> None:
            with shop_sync_locks(pg_engine, stream, [4, 5], holder="dagster run other", on_wait=lines.append):
                lines.append("acquired")

        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        deadline = time.monotonic() + 10
        while not lines and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(lines) == 1 and lines[0].startswith(f"shop 5: waiting for its {stream} lock, held by ")
        assert "dagster run abcd1234 (shopee_orders)" in lines[0] and "pid " in lines[0]
    waiter.join(timeout=10)
    assert lines[-1] == "acquired"
    with pg_engine.connect() as conn:  # the holder's name was local to its lock transaction
        assert (
            conn.execute(text("SELECT current_setting('application_name')")).scalar() != "dagster run other"
        )
