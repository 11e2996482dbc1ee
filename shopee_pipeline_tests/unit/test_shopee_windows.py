"""Splitting ranges into <= 15-day windows for the list endpoints."""

from __future__ import annotations

import itertools

import pytest

from shopee_pipeline.shopee.windows import MAX_WINDOW_SECONDS, split_windows

DAY = 86400


def test_short_range_is_one_window() -> None:
    assert split_windows(1000, 1000 + DAY) == [(1000, 1000 + DAY)]
    assert split_windows(5, 5) == [(5, 5)]


def test_exactly_fifteen_days_is_one_window() -> None:
    assert split_windows(0, 15 * DAY) == [(0, 15 * DAY)]


def test_long_range_is_split_and_covers_everything() -> None:
    windows = split_windows(100, 100 + 40 * DAY)
    assert windows == [
        (100, 100 + 15 * DAY),
        (100 + 15 * DAY, 100 + 30 * DAY),
        (100 + 30 * DAY, 100 + 40 * DAY),
    ]
    assert all(end - start <= MAX_WINDOW_SECONDS for start, end in windows)
    assert windows[0][0] == 100 and windows[-1][1] == 100 + 40 * DAY
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))


def test_reversed_range_is_refused() -> None:
    with pytest.raises(ValueError):
        split_windows(10, 5)
