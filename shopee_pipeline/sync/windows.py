"""From partitions (day x shop) to the update_time windows that are asked of Shopee."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    """Unix seconds `[time_from, time_to]` of update_time to read for one shop."""

    time_from: int
    time_to: int


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The first instant of `day` and of the next day, in `tz` (a partition's day)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)


def is_recent(day: date, now: datetime, tz: ZoneInfo) -> bool:
    """Today's partition, or yesterday's during the first hour of today: the ones read incrementally."""
    local = now.astimezone(tz)
    return day == local.date() or (day == local.date() - timedelta(days=1) and local.hour == 0)


def contiguous_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Group days into runs of consecutive days: `[(first, last), ...]` in ascending order."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def shop_windows(
    days: Iterable[date],
    tz: ZoneInfo,
    now: datetime,
    high_water_mark: datetime | None,
    overlap: timedelta,
    full_resync: bool = False,
) -> list[Window]:
    """The windows that cover `days` for one shop, as few as possible.

    Consecutive days merge into one window (the client splits it into Shopee's 15-day windows), so a
    backfill of a quiet shop costs one list call per 15 days, not one per day. A window never reaches
    past `now`. A run made only of recent days starts at the high-water mark minus `overlap` unless
    `full_resync` is set.
    """
    windows = []
    for first, last in contiguous_runs(days):
        start, _ = day_bounds(first, tz)
        _, end = day_bounds(last, tz)
        end = min(end - timedelta(seconds=1), now)
        recent = all(is_recent(d, now, tz) for d in (first, last))
        if recent and not full_resync and high_water_mark is not None:
            start = max(start, high_water_mark - overlap)
        if start <= end:
            windows.append(Window(int(start.timestamp()), int(end.timestamp())))
    return windows


def days_by_shop(partitions: Iterable[tuple[date, int]]) -> dict[int, list[date]]:
    """`{shop_id: [days]}` from `(day, shop_id)` partitions."""
    grouped: dict[int, list[date]] = defaultdict(list)
    for day, shop_id in partitions:
        grouped[shop_id].append(day)
    return dict(grouped)


def full_read_due(
    days: Iterable[date], now: datetime, tz: ZoneInfo, at: time | None, last_full_read: datetime | None
) -> bool:
    """Whether a stream read whole once a day is due for a shop whose run covers `days`: never read whole
    yet, or today's partition is among `days`, today's reading time `at` (local) has passed and the last
    whole read began before it. `at` None turns the daily read off (a first read still happens)."""
    if last_full_read is None:
        return True
    local = now.astimezone(tz)
    if at is None or local.date() not in set(days):
        return False
    due = datetime.combine(local.date(), at, tzinfo=tz)
    return now >= due and last_full_read < due


def whole_window(now: datetime) -> Window:
    """Every `update_time` up to `now`: a whole read of a stream."""
    return Window(0, int(now.timestamp()))
