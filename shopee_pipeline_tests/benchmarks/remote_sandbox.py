"""The sandbox in a process of its own, as Shopee is: its CPU and memory stay out of the figures."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

_LAUNCH = (
    "import json, sys\n"
    "from shopee_pipeline.sandbox import SandboxConfig, run_sandbox\n"
    "run_sandbox(SandboxConfig(**json.loads(sys.argv[1])), '127.0.0.1', int(sys.argv[2]))\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RemoteSandbox:
    """A `shopee_pipeline.sandbox` server in a subprocess, driven through its `/_sandbox/` endpoints."""

    def __init__(self, config, timeout: float = 120.0) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        fields = json.dumps(dataclasses.asdict(config))
        self._process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, fields, str(port)], stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                info = requests.get(f"{self.url}/_sandbox/shops", timeout=2).json()
                break
            except requests.RequestException:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.stop()
                    raise RuntimeError("the sandbox did not start") from None
                time.sleep(0.2)
        self.partner_id: int = info["partner_id"]
        self.partner_key: str = config.partner_key
        self.shop_ids: list[int] = info["shop_ids"]

    def authorize(self, shop_id: int) -> str:
        """An authorization code for `shop_id`."""
        return requests.post(f"{self.url}/_sandbox/authorize", json={"shop_id": shop_id}, timeout=10).json()[
            "code"
        ]

    def call_counts(self) -> dict[str, int]:
        """API path -> calls answered, plus `total`."""
        calls = requests.get(f"{self.url}/_sandbox/calls", timeout=10).json()["calls"]
        return {**calls, "total": calls.get("total", sum(calls.values()))}

    def reset_call_counts(self) -> None:
        """Start counting afresh."""
        requests.post(f"{self.url}/_sandbox/calls/reset", timeout=10)

    def now(self) -> int:
        """The sandbox's simulated Unix time."""
        return int(requests.get(f"{self.url}/_sandbox/now", timeout=10).json()["now"])

    def cpu_seconds(self) -> float:
        """CPU time the sandbox process has used so far (user + system)."""
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """End the subprocess."""
        self._process.terminate()
        self._process.wait(timeout=30)
