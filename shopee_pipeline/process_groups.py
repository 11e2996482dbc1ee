"""Child processes that are stopped as a whole: each starts a session (and process group) of its own, so a
terminal's Ctrl-C does not reach it behind our back, and stopping it signals every process it started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence

STOP_GRACE_SECONDS = 30.0
"""How long a group may take to shut down after SIGTERM before it is killed."""


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


def stop_groups(processes: Sequence[subprocess.Popen], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every process of each group, wait up to `grace` seconds for all of them to exit, SIGKILL
    whatever is left, and reap the leaders. Dagster's commands take SIGTERM as Ctrl-C: `dagster dev` then
    shuts down its webserver, daemon and code server, and run workers stop their runs."""
    groups = [p.pid for p in processes if p.returncode is None]
    for pgid in groups:
        _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        for process in processes:
            process.poll()  # reap a leader that exited, or its zombie keeps the group alive
        if not any(_group_alive(pgid) for pgid in groups):
            return
        time.sleep(0.2)
    for pgid in groups:
        _signal_group(pgid, signal.SIGKILL)
    for process in processes:
        process.wait()
