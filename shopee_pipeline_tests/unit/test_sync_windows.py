"""Planning reads: windows per shop, incremental today, and detail batches of exactly 50."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shopee_pipeline.sync.fetch import full_batches
from shopee_pipeline.sync.windows import contiguous_runs, day_bounds, full_read_due, is_recent, shop_windows

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # 12:00 in Jakarta


def test_consecutive_days_merge_into_one_window() -> None:
    days = [date(2026, 11, d) for d in (1, 2, 3, 7, 8)]
    assert contiguous_runs(days) == [
        (date(2026, 11, 1), date(2026, 11, 3)),
        (date(2026, 11, 7), date(2026, 11, 8)),
    ]
    windows = shop_windows(days, JAKARTA, NOW, None, timedelta(minutes=10))
    assert len(windows) == 2
    assert windows[0].time_from == int(day_bounds(date(2026, 11, 1), JAKARTA)[0].timestamp())
    assert windows[0].time_to == int(day_bounds(date(2026, 11, 4), JAKARTA)[0].timestamp()) - 1


def test_today_reads_from_the_high_water_mark_minus_overlap_and_stops_at_now() -> None:
    mark = NOW - timedelta(minutes=15)
    [window] = shop_windows([date(2026, 11, 25)], JAKARTA, NOW, mark, timedelta(minutes=10))
    assert window.time_from == int((mark - timedelta(minutes=10)).timestamp())
    assert window.time_to == int(NOW.timestamp())
    [full] = shop_windows([date(2026, 11, 25)], JAKARTA, NOW, mark, timedelta(minutes=10), full_resync=True)
    assert full.time_from == int(day_bounds(date(2026, 11, 25), JAKARTA)[0].timestamp())


def test_a_past_day_ignores_the_mark() -> None:
    mark = NOW - timedelta(minutes=15)
    [window] = shop_windows([date(2026, 11, 20)], JAKARTA, NOW, mark, timedelta(minutes=10))
    assert window.time_from == int(day_bounds(date(2026, 11, 20), JAKARTA)[0].timestamp())


def test_yesterday_is_recent_only_in_the_first_hour() -> None:
    just_after_midnight = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)  # 00:30 on the 25th in Jakarta
    assert is_recent(date(2026, 11, 24), just_after_midnight, JAKARTA)
    assert not is_recent(date(2026, 11, 24), NOW, JAKARTA)


def test_future_days_yield_no_window() -> None:
    assert shop_windows([date(2026, 11, 26)], JAKARTA, NOW, None, timedelta(minutes=10)) == []


def test_full_batches_regroup_pages_into_fifties() -> None:
    pages = [
        [f"A{i}" for i in range(100)],
        [f"B{i}" for i in range(30)],
        [f"C{i}" for i in range(45)],
        ["A1"],
    ]
    batches = list(full_batches(pages))
    assert [len(b) for b in batches] == [50, 50, 50, 25]
    assert [key for batch in batches for key in batch] == [*pages[0], *pages[1], *pages[2]]


def test_a_whole_read_is_due_first_then_once_a_day_after_its_time() -> None:
    """NOW is 12:00 in Jakarta on 2026-11-25: a shop never read whole is read whole whatever its days; a
    run with today's partition reads it whole once the day's reading time (local) has passed since the
    last whole read; a run of past days, or with the daily read off, does not."""
    today, at = [date(2026, 11, 25)], time(0, 30)
    since_yesterday = datetime(2026, 11, 24, 20, 0, tzinfo=JAKARTA)
    this_morning = datetime(2026, 11, 25, 1, 0, tzinfo=JAKARTA)
    assert full_read_due([date(2026, 11, 1)], NOW, JAKARTA, None, None)
    assert full_read_due(today, NOW, JAKARTA, at, since_yesterday)
    assert not full_read_due(today, NOW, JAKARTA, at, this_morning)
    assert not full_read_due(today, NOW, JAKARTA, time(13, 0), since_yesterday)
    assert not full_read_due([date(2026, 11, 24)], NOW, JAKARTA, at, since_yesterday)
    assert not full_read_due(today, NOW, JAKARTA, None, since_yesterday)
