"""Child processes that are stopped as a whole: each starts a session (and process group) of its own, so a
terminal's Ctrl-C does not reach it behind our back, and stopping it signals every process it started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence

STOP_GRACE_SECONDS = 30.0
"""How long a group's leader may take to shut down what it started after SIGTERM."""
LEFTOVER_GRACE_SECONDS = 5.0
"""How long what a leader left behind may take to exit after SIGTERM before it is killed."""


def start_group(command: Sequence[str], **popen_kwargs: object) -> subprocess.Popen:
    """Start `command` as the leader of a new session and process group."""
    return subprocess.Popen(list(command), start_new_session=True, **popen_kwargs)  # type: ignore[call-overload]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member that changed user (never ours to stop); count it as alive
        return True
    return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _wait(
    processes: Sequence[subprocess.Popen],
    seconds: float,
    *,
    leaders_only: bool,
    meanwhile: Callable[[], object] | None = None,
) -> bool:
    """Wait up to `seconds` until the leaders (or every member of their groups) are gone, calling
    `meanwhile` at every look."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if meanwhile is not None:
            meanwhile()
        for process in processes:
            process.poll()  # reap a leader that exited, or its zombie keeps the group alive
        if leaders_only and all(p.returncode is not None for p in processes):
            return True
        if not leaders_only and not any(_group_alive(p.pid) for p in processes):
            return True
        time.sleep(0.2)
    return False


def stop_groups(
    processes: Sequence[subprocess.Popen],
    grace: float = STOP_GRACE_SECONDS,
    meanwhile: Callable[[], object] | None = None,
) -> None:
    """Stop each process and everything it started, and reap them.

    Each leader gets SIGTERM first and up to `grace` seconds to shut down what it started: Dagster's
    commands take SIGTERM as Ctrl-C, and `dagster dev` then stops its webserver, daemon and code server
    (signalled all at once, it would restart a code server that exits before it). Whatever is left in
    the groups then (a run worker, an orphan) gets SIGTERM, a few seconds, then SIGKILL.

    `meanwhile` is called before each signal and at every look while waiting (e.g. to record what the
    processes still running should do when the signal reaches them)."""
    if meanwhile is not None:
        meanwhile()
    for process in processes:
        if process.poll() is None:
            process.terminate()
    _wait(processes, grace, leaders_only=True, meanwhile=meanwhile)
    if meanwhile is not None:
        meanwhile()
    for process in processes:
        _signal_group(process.pid, signal.SIGTERM)
    if not _wait(processes, LEFTOVER_GRACE_SECONDS, leaders_only=False, meanwhile=meanwhile):
        for process in processes:
            _signal_group(process.pid, signal.SIGKILL)
    for process in processes:
        process.wait()
