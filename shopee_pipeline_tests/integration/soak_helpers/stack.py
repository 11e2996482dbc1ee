"""The whole live service as separate processes, all under one libfaketime offset of the real clock.

`LiveStack` starts, in this order, each as the leader of its own process group (`process_groups`)
with its output in a log file: the embedded Postgres (`shopee-pipeline db serve`), the webhook receiver
(`shopee-pipeline webhook serve`), a sandbox Shopee that pushes to it (`sandbox_main`), the shops'
onboarding (`connect_main`), a `dagster asset materialize` of the shops' history, and a real
`dagster-daemon run` on the repository's `dagster.yaml` (Postgres storage, queued run coordinator).
`stop()` ends every group it started (`stop_groups`), the database last.

A relative offset (`+Ns`) makes every process, and every process they start (code server, run workers,
the Postgres server), read the same shifted clock; this process keeps its own and converts with `now()`.
The offset lives in a file (`FAKETIME_TIMESTAMP_FILE`, re-read by every process at most a second or two
after it changes), so a test can start the stack well before the instant it is about (a midnight, a
quarter-hour tick), wait for the daemon to be ready however long that takes, and only then move every
clock to just before that instant (`shift_to`): the machine's speed decides nothing. The monotonic clock
is left alone and `faketime_site` patches `time.sleep` (see there why).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
import yaml

from shopee_pipeline.launcher import SYNC_SELECTION
from shopee_pipeline.process_groups import start_group, stop_groups

FAKETIME_LIBRARY = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
FAKETIME_SITE = Path(__file__).resolve().parents[2] / "faketime_site"
REPO_ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
HELPERS = "shopee_pipeline_tests.integration.soak_helpers"
STOP_GRACE_S = 15.0


def next_local_time(tz: ZoneInfo, hour: int, minute: int = 0) -> datetime:
    """The next instant after the real now at which the clock of `tz` shows `hour`:`minute`."""
    local_now = datetime.fromtimestamp(time.time(), tz)
    at = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at > local_now else at + timedelta(days=1)


def offset_showing(instant: float) -> int:
    """Whole seconds to add to the real clock so that it shows `instant` (Unix seconds) now."""
    return round(instant - time.time())


@dataclass
class LiveStack:
    """Processes under `FAKETIME=+<offset>s` sharing the folder `root` (short: it holds the Postgres
    socket), their output in `logs`. `sandbox_config` holds `SandboxConfig` fields (`push_url` is set
    here)."""

    root: Path
    logs: Path
    offset: int
    sandbox_config: dict[str, object]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    database_url: str = ""
    sandbox_url: str = ""
    shop_ids: list[int] = field(default_factory=list)
    backfill_range: list[str] = field(default_factory=list)
    # False: the processes keep the real clock (no libfaketime: under it, threads handing the GIL over
    # spin in the kernel, so nothing is timed under it).
    shift_clock: bool = True

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance folder (its dagster.yaml is the repository's)."""
        return self.root / "dagster_home"

    @property
    def clock_file(self) -> Path:
        """The file holding every process's clock offset (`FAKETIME_TIMESTAMP_FILE`)."""
        return self.root / "faketime.rc"

    def now(self) -> float:
        """The stack's clock, in Unix seconds."""
        return time.time() + self.offset

    def _write_offset(self) -> None:
        staged = self.clock_file.with_suffix(".new")
        staged.write_text(f"{self.offset:+d}s\n")
        staged.replace(self.clock_file)

    def shift_to(self, instant: float) -> None:
        """Move the clock of every process of the stack to `instant` (Unix seconds; forward only, as a
        real clock goes). Each process re-reads the offset within about two seconds: what runs across
        that change must tolerate clocks that disagree by the jump for so long."""
        offset = offset_showing(instant)
        assert offset >= self.offset, f"the clock only moves forward ({self.offset:+d}s -> {offset:+d}s)"
        self.offset = offset
        self._write_offset()

    # -- processes ------------------------------------------------------------------------------------

    def _base_env(self) -> dict[str, str]:
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SHOPEE_", "DAGSTER_", "FAKETIME"))
            and k not in ("DATABASE_URL", "LD_PRELOAD")
        }
        if self.shift_clock:
            self._write_offset()
        shifted = {
            "LD_PRELOAD": str(FAKETIME_LIBRARY),
            "FAKETIME_TIMESTAMP_FILE": str(self.clock_file),
            "FAKETIME_CACHE_DURATION": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(FAKETIME_SITE), os.environ.get("PYTHONPATH")])),
        }
        return (
            inherited
            | (shifted if self.shift_clock else {})
            | {
                "PYTHONUNBUFFERED": "1",
                "SHOPEE_DATA_DIR": str(self.root),
                "SHOPEE_TIMEZONE": "Asia/Jakarta",
                "DAGSTER_HOME": str(self.dagster_home),
            }
        )

    def log_path(self, name: str) -> Path:
        """Where the output of process `name` goes."""
        return self.logs / f"{name}.log"

    def log_tail(self, name: str, chars: int = 3000) -> str:
        """The end of process `name`'s output."""
        path = self.log_path(name)
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        """Start `command` as a process group of its own, under the shifted clock, output to its log."""
        with self.log_path(name).open("ab") as log:
            process = start_group(command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def wait(self, name: str, timeout_s: float) -> str:
        """Wait for process `name` to end; its output, or AssertionError with it when it failed."""
        try:
            code = self.processes[name].wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            code = None
        output = self.log_tail(name, 20000)
        assert code == 0, f"{name} ended with {code}:\n{output[-4000:]}"
        return output

    def run(self, name: str, command: list[str], timeout_s: float) -> str:
        """`spawn` then `wait`."""
        self.spawn(name, command)
        return self.wait(name, timeout_s)

    def wait_for_line(self, name: str, pattern: str, timeout_s: float) -> re.Match[str]:
        """The first match of `pattern` in process `name`'s output; AssertionError when the process
        ends or `timeout_s` passes first."""
        deadline = time.monotonic() + timeout_s
        while True:
            path = self.log_path(name)
            found = re.search(pattern, path.read_text(errors="replace")) if path.exists() else None
            if found:
                return found
            exited = self.processes[name].poll()
            assert exited is None and time.monotonic() < deadline, (
                f"{name} ({'exited ' + str(exited) if exited is not None else 'timed out'}) never printed "
                f"{pattern!r}:\n{self.log_tail(name)}"
            )
            time.sleep(0.1)

    def stop(self) -> None:
        """End every process group this stack started, the database last. Safe to call twice."""
        database = self.processes.pop("db", None)
        stop_groups(list(self.processes.values()), STOP_GRACE_S)
        if database is not None:
            stop_groups([database], STOP_GRACE_S)
        self.processes.clear()

    # -- the stack ------------------------------------------------------------------------------------

    def start_database(self) -> None:
        """`shopee-pipeline db serve`, then every other process reaches it through `DATABASE_URL`."""
        self.env = self._base_env()
        self.spawn("db", [sys.executable, "-m", "shopee_pipeline.cli", "db", "serve"])
        self.database_url = self.wait_for_line("db", r"postgresql://\S+", 60).group(0)
        self.env["DATABASE_URL"] = self.database_url

    def use_dagster_storage(self, dagster_url: str) -> None:
        """Lay out the Dagster home on the repository's dagster.yaml, storage at `dagster_url`."""
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        (self.dagster_home / "dagster.yaml").symlink_to(REPO_ROOT / "dagster.yaml")
        self.env["DAGSTER_POSTGRES_URL"] = dagster_url

    def start_receiver_and_sandbox(self, receiver_port: int) -> None:
        """The receiver on `receiver_port` and a sandbox pushing to it; returns once both answer."""
        push_url = f"http://127.0.0.1:{receiver_port}/api/webhook"
        partner = {"partner_id": 2001887, "partner_key": "soak-partner-key"}
        self.sandbox_config |= {**partner, "push_url": push_url}
        self.env |= {
            "SHOPEE_WEBHOOK_URL": push_url,
            "SHOPEE_PARTNER_ID": str(partner["partner_id"]),
            "SHOPEE_PARTNER_KEY": partner["partner_key"],
        }
        cli = [sys.executable, "-m", "shopee_pipeline.cli"]
        self.spawn("receiver", [*cli, "webhook", "serve", "--port", str(receiver_port)])
        self._wait_http(f"http://127.0.0.1:{receiver_port}/", "receiver")
        self.spawn(
            "sandbox", [sys.executable, "-m", f"{HELPERS}.sandbox_main", json.dumps(self.sandbox_config)]
        )
        self.sandbox_url = self.wait_for_line("sandbox", r"sandbox Shopee at (http://\S+)", 60).group(1)
        self.env["SHOPEE_API_BASE_URL"] = self.sandbox_url

    def _wait_http(self, url: str, name: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                requests.get(url, timeout=2)
                return
            except requests.RequestException:
                exited = self.processes[name].poll()
                assert exited is None and time.monotonic() < deadline, (
                    f"{name} never answered:\n{self.log_tail(name)}"
                )
                time.sleep(0.2)

    def connect_shops(self) -> None:
        """Every sandbox shop connected and its partition added (`connect_main`)."""
        output = self.run("connect", [sys.executable, "-m", f"{HELPERS}.connect_main", self.sandbox_url], 120)
        connected = json.loads(output.strip().splitlines()[-1])
        self.shop_ids, self.backfill_range = connected["shop_ids"], connected["backfill"]

    @property
    def sync_workspace(self) -> Path:
        """A workspace of the sync location alone (the repository's, less the dbt location, whose models
        `test_dbt_marts` builds: here its automation would only spend the machine on builds nobody checks)."""
        path = self.root / "sync_workspace.yaml"
        if not path.exists():
            workspace = yaml.safe_load((REPO_ROOT / "workspace.yaml").read_text())
            sync = [
                e for e in workspace["load_from"] if e["python_module"]["location_name"] == "shopee_pipeline"
            ]
            path.write_text(yaml.safe_dump({"load_from": sync}))
        return path

    def start_daemon(self) -> None:
        """A real `dagster-daemon run` on the sync location: schedules, sensors, run queue."""
        self.spawn("daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(self.sync_workspace)])

    def start_backfill(self) -> None:
        """One `dagster asset materialize` of every asset over yesterday and today of every shop: the
        history a seller's first backfill brings in, so that the warehouse can equal the sandbox."""
        first, last = self.backfill_range
        command = [str(BIN / "dagster"), "asset", "materialize", "-m", "shopee_pipeline.definitions"]
        command += ["--select", SYNC_SELECTION, "--partition-range", f"{first}...{last}"]
        self.spawn("backfill", command)

    def launch_job(self, name: str, job: str, tags: dict[str, str] | None = None) -> subprocess.Popen:
        """`dagster job launch` of `job` through the instance's run coordinator (the daemon dequeues
        and runs it), as a tick of a schedule would submit it."""
        command = [str(BIN / "dagster"), "job", "launch", "-w", str(self.sync_workspace)]
        command += ["--location", "shopee_pipeline", "-j", job]
        return self.spawn(name, command + (["--tags", json.dumps(tags)] if tags else []))

    def sandbox_control(self, method: str, path: str, body: dict | None = None) -> dict:
        """One `/_sandbox/` control request."""
        answer = requests.request(method, f"{self.sandbox_url}/_sandbox/{path}", json=body, timeout=120)
        answer.raise_for_status()
        return answer.json()
