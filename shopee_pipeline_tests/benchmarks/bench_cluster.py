"""Benchmark of one auto-sync tick fanned out over 1, 2 and 4 run workers at once, through the real run queue.

Run: `python -m shopee_pipeline_tests.benchmarks.bench_cluster [--shops N] [--runs-at-once 1,2,4]
[--shops-per-run 25] [--orders 40]` (`make bench` runs it with the defaults, `BENCH_CLUSTER_SHOPS` scales
it). Each round is `bench_tick.measure` on a fresh cluster whose QueuedRunCoordinator runs that many runs
at once (real clock: the tick's own function evaluated for 23:45 yesterday, its runs queued and launched
by the daemon through the code server): wall time, orders/s, each run worker's peak RSS and CPU seconds,
peak database connections and the sandbox's call counts. Prints a JSON line per round as it ends, then a
table and one JSON line of every round.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from shopee_pipeline_tests.benchmarks import bench_tick as tick

ORDERS_PER_SHOP = 40


def measure(
    shops: int, runs_at_once: int, shops_per_run: int, orders_per_shop: int = ORDERS_PER_SHOP
) -> dict[str, object]:
    """One tick (`bench_tick.measure`) over a fresh cluster of `shops` shops with `max_concurrent_runs:
    runs_at_once`."""
    figures = tick.measure(shops, orders_per_shop, shops_per_run, runs_at_once)
    del figures["benchmark"]  # a round of this benchmark's
    return figures


def table(rounds: list[dict[str, object]]) -> str:
    """The figures of each round, one line each."""
    head = f"{'at once':>7} {'runs':>4} {'ok':>3} {'wall s':>7} {'orders':>7} {'orders/s':>8} "
    head += f"{'rss max MB':>10} {'rss mean':>8} {'db conns':>8} {'calls':>6}"
    lines = [head]
    for r in rounds:
        rss = r["worker_peak_rss_mb"]
        lines.append(
            f"{r['runs_at_once']:>7} {r['runs']:>4} {r['succeeded']:>3} {r['tick_wall_s']:>7} "
            f"{r['orders']:>7} {r['orders_per_s']:>8} {rss['max']!s:>10} {rss['mean']!s:>8} "
            f"{r['db_connections_peak']:>8} {r['api_calls']:>6}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse `argv` (none from `run_all`: the defaults), run each round, print the table and the JSON line."""
    parser = argparse.ArgumentParser(prog="bench_cluster", description=__doc__.split("\n")[0])
    parser.add_argument("--shops", type=int, default=int(os.environ.get("BENCH_CLUSTER_SHOPS", "200")))
    parser.add_argument("--runs-at-once", default="1,2,4", help="max_concurrent_runs of each round")
    parser.add_argument("--shops-per-run", type=int, default=25, help="SHOPEE_SHOPS_PER_RUN")
    parser.add_argument("--orders", type=int, default=ORDERS_PER_SHOP, help="orders per shop per day")
    args = parser.parse_args(argv if argv is not None else [])
    started = time.monotonic()
    rounds = []
    for runs_at_once in args.runs_at_once.split(","):
        rounds.append(measure(args.shops, int(runs_at_once), args.shops_per_run, args.orders))
        print(json.dumps({"benchmark": "cluster_round", "shops": args.shops, **rounds[-1]}), flush=True)
    print(table(rounds), flush=True)
    summary = {
        "benchmark": "cluster",
        "shops": args.shops,
        "scaled": args.shops != 200,
        "orders_per_shop_per_day": args.orders,
        "latency_ms": tick.LATENCY_MS,
        "shops_per_run": args.shops_per_run,
        "rounds": rounds,
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
