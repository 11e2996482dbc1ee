"""Adaptive rate figures on a fake clock against hidden limits (the unit tests' fake Shopee): the rate
reached within 30 s, the rate held and the throttled share over a simulated day, per hidden limit.

Run: `.venv/bin/python -m shopee_pipeline_tests.benchmarks.bench_adaptive_rate` (one JSON line per case).
"""

from __future__ import annotations

import json

from shopee_pipeline_tests.unit.test_adaptive_rate import FakeClock, FakeShopee, drive, limiter_on

DAY = 86_400


def run_case(name: str, shops: list[int], partner: float | None, shop_limits: dict[int, float]) -> dict:
    """One simulated day of saturated traffic; the hidden limit is the tighter of partner and shops."""
    clock = FakeClock()
    shopee = FakeShopee(clock, partner_limit=partner, shop_limits=shop_limits)
    drive(limiter_on(clock), shopee, shops, DAY)
    limit = min([partner or float("inf"), sum(shop_limits.get(s, float("inf")) for s in shops)])
    answered = sum(shopee.admitted.values())
    return {
        "case": name,
        "hidden_limit": limit,
        "best_second_within_30s": max(shopee.rate(s, s + 1) for s in range(30)) / limit,
        "held_over_day": answered / DAY / limit,
        "throttled_share": shopee.throttled / (answered + shopee.throttled),
        "busiest_second": max(shopee.admitted.values()),
    }


def main() -> None:
    """Print one JSON line per case."""
    cases = [
        ("shop limit 2/s", [1], None, {1: 2.0}),
        ("shop limit 40/s", [1], None, {1: 40.0}),
        ("partner limit 30/s, 4 shops", [1, 2, 3, 4], 30.0, {}),
    ]
    for case in cases:
        print(json.dumps(run_case(*case)), flush=True)


if __name__ == "__main__":
    main()
