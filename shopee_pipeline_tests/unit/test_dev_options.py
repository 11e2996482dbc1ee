"""`shopee-pipeline dev`'s sandbox options: its clock rate and orders per day, a clock that starts a day
behind the real time and never runs ahead of it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopee_pipeline import clock
from shopee_pipeline.cli import build_parser
from shopee_pipeline.launcher import dev_sandbox
from shopee_pipeline.settings import load_settings


def test_dev_takes_its_clock_rate_and_orders_per_day() -> None:
    args = build_parser().parse_args(["dev", "--clock-rate", "120", "--orders-per-day", "200"])
    assert (args.clock_rate, args.orders_per_day) == (120.0, 200)
    defaults = build_parser().parse_args(["dev"])
    assert (defaults.clock_rate, defaults.orders_per_day) == (60.0, 40)
    with pytest.raises(SystemExit):  # a clock at the real rate would never catch up
        build_parser().parse_args(["dev", "--clock-rate", "1"])


def test_devs_sandbox_starts_a_day_behind_and_never_runs_ahead() -> None:
    with clock.frozen_at(datetime(2026, 12, 7, 10, 0, tzinfo=UTC)):
        config = dev_sandbox(load_settings({}), 2, "http://127.0.0.1:8000/api/webhook", 120.0, 200)
    assert config.start_time == int(datetime(2026, 12, 6, 10, 0, tzinfo=UTC).timestamp())
    assert config.clock_never_ahead and config.clock_rate == 120.0
    assert config.orders_per_shop_per_day == 200 and config.shops == 2
    assert config.push_url == "http://127.0.0.1:8000/api/webhook"
