"""`shopee-pipeline dev` as a user runs it: the whole stack answers, a second shell materializes with the
exports it prints, and SIGTERM or Ctrl-C stops every process it started, the embedded Postgres included."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
import pytest
from sqlalchemy import create_engine, text

from shopee_pipeline import clock
from shopee_pipeline.lib.partitions import partition_key
from shopee_pipeline.run_tags import TRIGGER_TAG

# A generous bound: a stack start, two second-shell runs and a stop took over 300 s on a machine running
# two whole suites at once.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

START_TIMEOUT = 240.0  # generous: a machine running several suites at once starts the UI slowly
STOP_TIMEOUT = 300.0  # the stop cancels the runs in flight first (up to 30 s); generous for a busy machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a new shell: none of the test session's database or Shopee settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPEE_", "DAGSTER_", "DATABASE_URL"))}
    return {**env, **extra}


def _export_lines(console: str) -> list[str]:
    return [line for line in console.splitlines() if line.startswith("export ")]


def _exports(console: str) -> dict[str, str]:
    """The `export NAME=value` lines `dev` printed, as a shell would read them (PATH aside)."""
    pairs = (shlex.split(line)[1].split("=", 1) for line in _export_lines(console))
    return {name: value for name, value in pairs if name != "PATH"}


VENV_BIN = Path(sys.executable).parent


def _in_a_second_shell(console: str, script: str) -> subprocess.CompletedProcess:
    """`script` run by bash after the export lines `dev` printed, pasted as they are, in a new shell's
    environment whose PATH lacks the venv."""
    path = ":".join(p for p in os.environ["PATH"].split(":") if p and Path(p) != VENV_BIN)
    pasted = "\n".join([*_export_lines(console), script])
    env = _clean_env(PATH=path)
    return subprocess.run(["bash", "-c", pasted], env=env, capture_output=True, text=True, timeout=300)


def _graphql(ui_port: int, query: str, variables: dict) -> dict:
    """What the UI's GraphQL answers `query`."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{ui_port}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def _run_status_in_the_ui(ui_port: int, run_id: str) -> str:
    """The run's status as the UI's GraphQL answers it."""
    query = "query($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status } } }"
    return _graphql(ui_port, query, {"id": run_id})["runOrError"].get("status", "")


def _assert_the_ui_names_shops(ui_port: int, partition: str, shop_name: str) -> None:
    """As the UI reads them: the `shops` asset is materialized with the shops' names, and the second
    shell's run (no tag of ours) names what it synced, its shop by name."""
    shops = _graphql(
        ui_port,
        'query { assetOrError(assetKey: {path: ["shops"]}) { ... on Asset {'
        " assetMaterializations(limit: 1) { metadataEntries {"
        " label ... on MarkdownMetadataEntry { mdStr } } } } } }",
        {},
    )["assetOrError"]["assetMaterializations"]
    entries = {entry["label"]: entry.get("mdStr") for entry in shops[0]["metadataEntries"]}
    assert shop_name in entries["active_shops"]
    runs = _graphql(
        ui_port,
        'query($p: String!) { runsOrError(filter: {tags: [{key: "dagster/partition", value: $p}]}) {'
        " ... on Runs { results { tags { key value } } } } }",
        {"p": partition},
    )["runsOrError"]["results"]
    tags = [{tag["key"]: tag["value"] for tag in run["tags"]} for run in runs]
    (tagged,) = [t for t in tags if TRIGGER_TAG not in t]
    assert tagged["shopee/shop_name"] == shop_name
    assert tagged["shopee/sync"].startswith("orders, order_items, logistics of ")
    assert tagged["shopee/sync"].endswith(f"({shop_name}), {partition.split('|')[0]}")


def _living(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


class DevStack:
    """A `shopee-pipeline dev` subprocess on free ports, its data in `tmp_path`; started with SIGINT
    ignored if `sigint_ignored`, as a script's background job starts (POSIX shells without job control)."""

    def __init__(self, tmp_path: Path, sigint_ignored: bool = False) -> None:
        self.data_dir = tmp_path / "data"
        self.console_path = tmp_path / "console.txt"
        self.ui_port, self.receiver_port = _free_port(), _free_port()
        command = [sys.executable, "-m", "shopee_pipeline.cli", "dev", "--shops", "1"]
        command += ["--ui-port", str(self.ui_port), "--receiver-port", str(self.receiver_port)]
        if sigint_ignored:
            command = ["bash", "-c", 'trap "" INT; exec "$@"', "bash", *command]  # `exec`: the same pid
        env = _clean_env(SHOPEE_DATA_DIR=str(self.data_dir), DAGSTER_HOME=str(tmp_path / "dagster_home"))
        with self.console_path.open("wb") as console:
            self.process = subprocess.Popen(command, env=env, stdout=console, stderr=subprocess.STDOUT)

    @property
    def console(self) -> str:
        """Everything it printed so far."""
        return self.console_path.read_text(errors="replace")

    def wait_until_up(self) -> None:
        """Until the Dagster UI and the receiver both answer."""
        deadline = time.monotonic() + START_TIMEOUT
        ui = f"http://127.0.0.1:{self.ui_port}/server_info"
        receiver = f"http://127.0.0.1:{self.receiver_port}/healthz"
        while not (_answers(ui) and _answers(receiver)):
            assert self.process.poll() is None, f"dev exited early:\n{self.console[-3000:]}"
            assert time.monotonic() < deadline, f"dev did not come up:\n{self.console[-3000:]}"
            time.sleep(0.5)

    def tree(self) -> list[psutil.Process]:
        """`dev`, every process below it, and the embedded Postgres server (a session of its own)."""
        root = psutil.Process(self.process.pid)
        postmaster = int((self.data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])
        return [root, *root.children(recursive=True), psutil.Process(postmaster)]

    def stop(self, signum: int) -> list[psutil.Process]:
        """Send `signum` and wait for `dev` and everything it started to exit; returns what is still alive."""
        processes = self.tree()
        self.process.send_signal(signum)
        deadline = time.monotonic() + STOP_TIMEOUT
        self.process.wait(timeout=STOP_TIMEOUT)
        while _living(processes) and time.monotonic() < deadline:
            time.sleep(0.2)
        return _living(processes)

    def kill_leftovers(self) -> None:
        """Kill whatever a failed test left running (never needed when the test passes)."""
        for process in _living(psutil.Process().children(recursive=True)):
            process.kill()
        pid_file = self.data_dir / "pgdata" / "postmaster.pid"
        if pid_file.exists():
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(int(pid_file.read_text().split()[0])).terminate()


@pytest.fixture
def dev_stack(request, tmp_path):
    """A running `DevStack`; `indirect` parametrization with "sigint_ignored" starts it so."""
    stack = DevStack(tmp_path, sigint_ignored=getattr(request, "param", None) == "sigint_ignored")
    try:
        stack.wait_until_up()
        yield stack
    finally:
        if stack.process.poll() is None:
            stack.process.kill()
        stack.kill_leftovers()


def _materialize_from_a_second_shell(console: str, key: str) -> subprocess.CompletedProcess:
    """`dagster asset materialize`, found on the PATH the pasted lines set."""
    script = f'test "$(command -v dagster)" = {shlex.quote(str(VENV_BIN / "dagster"))} || exit 97\n'
    script += (
        "dagster asset materialize -m shopee_pipeline.definitions --select orders,order_items,logistics "
    )
    return _in_a_second_shell(console, script + f"--partition {shlex.quote(key)}")


def _step_successes(exports: dict[str, str], monkeypatch, partition: str) -> int:
    """STEP_SUCCESS events (DEBUG level) of the second shell's run of `partition`, read from the stack's
    Dagster instance (dev's own schedule, sensors and automation start runs of their own meanwhile)."""
    import dagster as dg

    for name in ("DAGSTER_HOME", "DAGSTER_POSTGRES_URL"):
        monkeypatch.setenv(name, exports[name])
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": partition}))
        (run,) = [r for r in runs if TRIGGER_TAG not in r.tags]
        assert run.status == dg.DagsterRunStatus.SUCCESS
        records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS).records
    return len(records)


def _second_shell_syncs_what_the_ui_shows(dev_stack: DevStack) -> None:
    """The pasted lines give `shopee-pipeline sync` on PATH, dev's first partition and dev's instance: a
    day before the first partition is refused in one line, the first one runs and its link's run is in
    the UI."""
    exports = _exports(dev_stack.console)
    first = date.fromisoformat(exports["SHOPEE_SYNC_START_DATE"])
    sync, materialize = [line.strip() for line in dev_stack.console.splitlines() if line.startswith("  ")][
        -2:
    ]
    assert sync.startswith("shopee-pipeline sync --shop ") and sync.endswith(f" --date {first.isoformat()}")
    assert materialize.startswith("dagster asset materialize") and f"'{first.isoformat()}|" in materialize

    refused = _in_a_second_shell(dev_stack.console, sync.replace(str(first), str(first - timedelta(days=1))))
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.strip() == (
        f"shopee-pipeline: {first - timedelta(days=1)} is before the first partition {first} "
        "(SHOPEE_SYNC_START_DATE)"
    )

    completed = _in_a_second_shell(dev_stack.console, f"{sync} --assets bookings")
    assert completed.returncode == 0, completed.stderr[-3000:]
    print(f"\n{completed.stdout}")
    link = completed.stdout.strip().splitlines()[-1]
    assert link.startswith(f"http://127.0.0.1:{dev_stack.ui_port}/runs/")
    assert _run_status_in_the_ui(dev_stack.ui_port, link.rsplit("/", 1)[1]) == "SUCCESS"


def test_sigterm_stops_every_process_and_a_second_shell_can_materialize(dev_stack, monkeypatch) -> None:
    exports = _exports(dev_stack.console)
    assert {"SHOPEE_API_BASE_URL", "SHOPEE_PARTNER_ID", "SHOPEE_PARTNER_KEY", "DATABASE_URL"} <= set(exports)
    assert {"SHOPEE_DATA_DIR", "DAGSTER_HOME", "DAGSTER_POSTGRES_URL", "SHOPEE_SYNC_START_DATE"} <= set(
        exports
    )
    assert exports["SHOPEE_UI_URL"] == f"http://127.0.0.1:{dev_stack.ui_port}"
    engine = create_engine(exports["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            shop_id, shop_name = conn.execute(text("SELECT shop_id, shop_name FROM shopee.shops")).one()
            # Two days back in Jakarta on the pipeline's clock, which dev's sandbox starts from: inside its
            # three days of history at any hour of the day.
            day = clock.now().astimezone(ZoneInfo("Asia/Jakarta")).date() - timedelta(days=2)
            partition = partition_key(day, shop_id)
            completed = _materialize_from_a_second_shell(dev_stack.console, partition)
            assert completed.returncode == 0, completed.stderr[-3000:]
            count = text("SELECT count(*) FROM shopee.orders WHERE shop_id = :shop")
            assert conn.execute(count, {"shop": shop_id}).scalar_one() > 0
    finally:
        engine.dispose()
    output = completed.stdout + completed.stderr
    assert " - DEBUG - " not in output and "BetaWarning" not in output  # the console shows INFO ...
    assert _step_successes(exports, monkeypatch, partition) >= 1  # ... while the event log keeps every event
    _assert_the_ui_names_shops(dev_stack.ui_port, partition, shop_name)
    assert " - DEBUG - " not in dev_stack.console and "BetaWarning" not in dev_stack.console
    assert "will not be used" not in dev_stack.console
    # One stack for both second-shell checks: starting `dev` costs the suite about 40 s of the machine.
    _second_shell_syncs_what_the_ui_shows(dev_stack)

    assert dev_stack.stop(signal.SIGTERM) == []
    assert dev_stack.process.returncode == 0
    _assert_quiet_and_stopped(dev_stack)


@pytest.mark.parametrize("dev_stack", ["sigint_ignored"], indirect=True)
def test_ctrl_c_stops_every_process(dev_stack) -> None:
    """Even started with SIGINT ignored, as a script's background job is (and so every test of a suite
    run so): `dev` still takes Ctrl-C, and the processes it starts still take its stop's SIGTERM."""
    assert dev_stack.stop(signal.SIGINT) == []
    assert dev_stack.process.returncode == 0
    _assert_quiet_and_stopped(dev_stack)


def _assert_quiet_and_stopped(dev_stack: DevStack) -> None:
    """The receiver's lines went to its log file, not the console; a run in flight at the stop ended
    canceled, not failed (the failure alert would post it); dev's last line says the stack stopped (the
    embedded Postgres may still report its own stop after it)."""
    logs = dev_stack.data_dir / "logs"
    assert "POST /api/webhook" not in dev_stack.console
    assert "Uvicorn running" in (logs / "receiver.log").read_text()
    assert "RUN_FAILURE" not in dev_stack.console
    ours = [line for line in dev_stack.console.splitlines() if line.startswith("dev: ")]
    assert ours[-2].startswith("dev: stopping") and ours[-1].startswith("dev: stopped (")
