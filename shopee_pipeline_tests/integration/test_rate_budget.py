"""The deployment-wide request budget holds across processes' worth of clients."""

import threading
import time

from shopee_pipeline.warehouse.rate_budget import PostgresRateBudget


def test_two_processes_share_one_rate(warehouse) -> None:
    rate = 40.0
    budgets = [PostgresRateBudget(warehouse.engine, warehouse.schema, "partner:1", rate) for _ in range(2)]
    taken: list[float] = []
    lock = threading.Lock()

    def spend(budget: PostgresRateBudget) -> None:
        for _ in range(60):
            budget.acquire()
            with lock:
                taken.append(time.monotonic())

    started = time.monotonic()
    threads = [threading.Thread(target=spend, args=(b,)) for b in budgets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    # 120 requests at 40/s with a one-second burst (40) need at least (120 - 40) / 40 = 2 s.
    assert len(taken) == 120
    assert elapsed >= 1.8
    # Not a speed figure: a generous bound that only a budget granting far below its rate would cross.
    assert elapsed < 30


def test_another_name_has_its_own_budget(warehouse) -> None:
    first = PostgresRateBudget(warehouse.engine, warehouse.schema, "partner:1", 5.0)
    second = PostgresRateBudget(warehouse.engine, warehouse.schema, "partner:2", 5.0)
    assert sum(first.acquire() for _ in range(5)) == 0
    assert sum(second.acquire() for _ in range(5)) == 0
