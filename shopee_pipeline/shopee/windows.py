"""Splitting of time ranges into the windows Shopee's list endpoints accept."""

from __future__ import annotations

MAX_WINDOW_SECONDS = 15 * 86400


def split_windows(
    time_from: int, time_to: int, max_seconds: int = MAX_WINDOW_SECONDS
) -> list[tuple[int, int]]:
    """Split ``[time_from, time_to]`` (Unix seconds) into consecutive windows of at most ``max_seconds``.

    Neighbouring windows share their boundary second, because whether Shopee's ``time_to`` is
    inclusive is unconfirmed; the list iterators drop the duplicates this can produce.
    """
    if time_to < time_from:
        raise ValueError("time_to must not be earlier than time_from")
    windows = []
    start = time_from
    while True:
        end = min(start + max_seconds, time_to)
        windows.append((start, end))
        if end >= time_to:
            return windows
        start = end
