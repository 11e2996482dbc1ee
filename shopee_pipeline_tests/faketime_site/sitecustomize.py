"""Loaded (through `PYTHONPATH`) by every Python process of the soak stack, which runs under libfaketime
with `FAKETIME_DONT_FAKE_MONOTONIC=1`.

libfaketime 0.9.10 (Debian's) cannot shift the clock of a threaded Python as it is: with its default
(monotonic clock faked too, as an epoch-sized value) every timed wait on a lock (`Event.wait(1)`,
`Queue.get(timeout=...)`) blocks for decades, since glibc's `sem_clockwait` is not intercepted; with the
monotonic clock left alone those waits work but `time.sleep` fails with `OSError: [Errno 22] Invalid
argument` (its `clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)` is rewritten wrongly). So here
`time.sleep` becomes a timed wait on an event, which then sleeps exactly as long.
"""

import threading
import time


def _sleep(seconds: float) -> None:
    """`time.sleep` on a timed lock wait."""
    if seconds > 0:
        threading.Event().wait(seconds)


time.sleep = _sleep
