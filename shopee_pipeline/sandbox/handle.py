"""Starting and stopping a sandbox: in a background thread (tests, demo) or blocking (CLI)."""

from __future__ import annotations

import contextlib
import threading
from types import TracebackType

from .config import SandboxConfig
from .engine import SandboxEngine
from .server import SandboxHTTPServer

TICK_SECONDS = 1.0
"""How often a ticking clock (``clock_rate > 0``) turns the changes it passed into pushes."""


class SandboxHandle(SandboxEngine):
    """A running sandbox: the engine's API plus ``url``, ``stop()`` and context-manager use."""

    def __init__(self, config: SandboxConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(config)
        self._server = SandboxHTTPServer((host, port), self)
        self._stopped = threading.Event()
        self._threads = [
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="sandbox-http",
                daemon=True,
            )
        ]
        if self.clock.ticking:
            self._threads.append(threading.Thread(target=self._tick, name="sandbox-clock", daemon=True))

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SandboxHandle:
        """Start serving in background threads; returns self."""
        for thread in self._threads:
            thread.start()
        return self

    def _tick(self) -> None:
        while not self._stopped.wait(TICK_SECONDS):
            self.sweep_pushes()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the clock ticker, if any, runs beside it)."""
        for thread in self._threads[1:]:
            thread.start()
        try:
            self._server.serve_forever(poll_interval=0.1)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving, the clock ticker and the push workers. Safe to call twice."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._threads[0].is_alive():
            self._server.shutdown()
        self._server.server_close()
        self.pushes.close()

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_sandbox(
    config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> SandboxHandle:
    """Build the world and serve it from a background thread; returns the running handle at once.
    ``port=0`` picks a free port (see ``handle.url``)."""
    return SandboxHandle(config or SandboxConfig(), host, port).start()


def run_sandbox(config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 8900) -> None:
    """Blocking server for the CLI: prints one line with the URL, partner id, partner key and shop ids,
    then serves until interrupted. Only the built-in test key is printed: a key that was configured is
    shown as `(as configured)`. Tokens are never printed."""
    handle = SandboxHandle(config or SandboxConfig(), host, port)
    shown_key = handle.partner_key if handle.partner_key == SandboxConfig.partner_key else "(as configured)"
    print(
        f"sandbox Shopee at {handle.url} partner_id={handle.partner_id} partner_key={shown_key} "
        f"shop_ids={','.join(str(s) for s in handle.shop_ids)}",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        handle.serve_forever()
