"""The pipeline's clock: shifted by SHOPEE_CLOCK_OFFSET_SECONDS for the processes that inherit it, pinned
by `frozen_at` in a test."""

import subprocess
import sys
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from shopee_pipeline import clock

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_the_offset_shifts_now_and_a_bad_one_names_the_variable(monkeypatch) -> None:
    monkeypatch.setenv(clock.OFFSET_ENV, "-86400")
    before = time.time()
    shifted = clock.timestamp()
    assert before - 86400 <= shifted <= time.time() - 86400
    assert clock.now().tzinfo is UTC
    monkeypatch.setenv(clock.OFFSET_ENV, "tomorrow")
    with pytest.raises(ValueError, match=clock.OFFSET_ENV):
        clock.timestamp()


def test_a_child_process_inherits_the_offset(monkeypatch) -> None:
    monkeypatch.setenv(clock.OFFSET_ENV, str(10 * 86400))
    code = "from shopee_pipeline import clock; print(clock.timestamp())"
    child = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
    assert child >= time.time() + 10 * 86400 - 60


def test_frozen_at_pins_this_process_and_wins_over_the_offset(monkeypatch) -> None:
    monkeypatch.setenv(clock.OFFSET_ENV, "3600")
    midnight = datetime(2026, 11, 19, 0, 5, tzinfo=JAKARTA)
    with clock.frozen_at(midnight):
        assert clock.now() == midnight
        with clock.frozen_at(1_000.0):
            assert clock.timestamp() == 1_000.0
        assert clock.timestamp() == midnight.timestamp()
    assert clock.timestamp() > midnight.timestamp()
