"""The webhook receiver in a process of its own, as `shopee-pipeline webhook serve` runs it in production:
for tests and benchmarks whose figures must not include the test process's threads and pauses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

_SERVER = (
    "import sys; from shopee_pipeline.settings import load_settings; "
    "from shopee_pipeline.webhook.server import serve; serve(load_settings(), '127.0.0.1', int(sys.argv[1]))"
)


def free_port() -> int:
    """A loopback TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(base: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the receiver exited early")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the receiver did not become healthy")


@contextmanager
def receiver_process(
    database_url: str, schema: str, push_key: str, callback: str | None = None
) -> Iterator[str]:
    """Run `serve` on a free port against `schema` of `database_url`, pushes signed with `push_key` for
    `callback` (default: the receiver's own `/api/webhook`); yield its base URL once healthy, then stop
    it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SHOPEE_DB_SCHEMA": schema,
        "SHOPEE_PUSH_PARTNER_KEY": push_key,
        "SHOPEE_WEBHOOK_URL": callback or f"{base}/api/webhook",
    }
    process = subprocess.Popen([sys.executable, "-c", _SERVER, str(port)], env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
