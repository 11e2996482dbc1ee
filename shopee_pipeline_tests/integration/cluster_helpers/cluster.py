"""The soak's `LiveStack` as a cluster: a separate `dagster api grpc` code server, a workspace pointing at
it and a `dagster-daemon run` on that workspace, with the repository's run coordinator (its tag limits,
`max_concurrent_runs` chosen here) over Postgres storage. The daemon's DefaultRunLauncher asks the code
server to start each run, and the code server starts it as a run worker process of its own.

`boot_cluster` brings up everything, in order, under one libfaketime offset (`LiveStack`): database and
migrations, the webhook receiver and the sandbox, the shops' onboarding, the code server and the daemon.
"""

from __future__ import annotations

import json
import math
import socket
import time
from pathlib import Path

import dagster as dg
import yaml

from shopee_pipeline.defs.schedules import IN_FLIGHT
from shopee_pipeline.warehouse.database import (
    DAGSTER_SCHEMA,
    create_warehouse_engine,
    dagster_storage_url,
    ensure_schema,
)
from shopee_pipeline.warehouse.migrate import upgrade
from shopee_pipeline_tests.integration.soak_helpers.stack import (
    BIN,
    REPO_ROOT,
    LiveStack,
)

LOCATION = "shopee_pipeline"
SCHEDULE_TAG = "dagster/schedule_name"


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ClusterStack(LiveStack):
    """A `LiveStack` whose daemon reaches the code through a separate gRPC code server."""

    grpc_port: int = 0

    @property
    def workspace(self) -> Path:
        """The workspace.yaml pointing at the code server."""
        return self.root / "workspace.yaml"

    def use_cluster_instance(self, dagster_url: str, max_concurrent_runs: int) -> None:
        """The Dagster home's dagster.yaml: the repository's, `max_concurrent_runs` set, storage at
        `dagster_url`."""
        config = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text())
        config["concurrency"]["runs"]["max_concurrent_runs"] = max_concurrent_runs
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        (self.dagster_home / "dagster.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        self.env["DAGSTER_POSTGRES_URL"] = dagster_url

    def start_code_server(self) -> None:
        """`dagster api grpc` on a free port, and the workspace pointing at it (`wait_for_code_server`
        waits until it serves)."""
        self.grpc_port = free_port()
        command = [str(BIN / "dagster"), "api", "grpc", "-m", "shopee_pipeline.definitions"]
        self.spawn("grpc", [*command, "-h", "127.0.0.1", "-p", str(self.grpc_port)])
        server = {"host": "127.0.0.1", "port": self.grpc_port, "location_name": LOCATION}
        self.workspace.write_text(yaml.safe_dump({"load_from": [{"grpc_server": server}]}))

    def wait_for_code_server(self) -> None:
        """Until the code server has loaded the definitions and serves."""
        self.wait_for_line("grpc", r"Started Dagster code server", 120)

    def start_cluster_daemon(self) -> None:
        """`dagster-daemon run` on the code server's workspace: schedules, sensors and the run queue."""
        self.spawn("daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)])

    def launch_job(self, name: str, job: str, tags: dict[str, str] | None = None):
        """`dagster job launch` of `job` on the code server's workspace, queued for the daemon."""
        command = [str(BIN / "dagster"), "job", "launch", "-w", str(self.workspace), "-j", job]
        return self.spawn(name, command + (["--tags", json.dumps(tags)] if tags else []))


def boot_cluster(
    stack: ClusterStack, max_concurrent_runs: int, shops_per_run: int, receiver_port: int
) -> None:
    """Database (migrated, Dagster's schema), instance, receiver and sandbox, every shop connected, the
    code server (`SHOPEE_SHOPS_PER_RUN=shops_per_run`, started before the shops connect: it does not need
    them) and the daemon, in that order."""
    stack.start_database()
    engine = create_warehouse_engine(stack.database_url)
    try:
        upgrade(engine, "shopee")
        ensure_schema(engine, DAGSTER_SCHEMA)
    finally:
        engine.dispose()
    stack.env["SHOPEE_SHOPS_PER_RUN"] = str(shops_per_run)
    stack.use_cluster_instance(dagster_storage_url(stack.database_url), max_concurrent_runs)
    stack.start_receiver_and_sandbox(receiver_port)
    stack.start_code_server()  # loads while the shops connect
    stack.connect_shops()
    stack.wait_for_code_server()
    stack.start_cluster_daemon()


def wait_until_finished(
    instance: dg.DagsterInstance, stack: ClusterStack, run_ids: list[str], timeout_s: float
) -> None:
    """Until every run of `run_ids` has finished (succeeded or not)."""
    deadline = time.monotonic() + timeout_s
    while True:
        runs = instance.get_runs(filters=dg.RunsFilter(run_ids=run_ids))
        if len(runs) == len(run_ids) and all(run.is_finished for run in runs):
            return
        in_flight = [r.run_id for r in runs if r.status in IN_FLIGHT]
        assert time.monotonic() < deadline, (
            f"runs still in flight after {timeout_s} s: {in_flight}\n{stack.log_tail('daemon')}"
        )
        time.sleep(0.3)


def expected_runs(shops: int, shops_per_run: int) -> int:
    """How many runs one tick cuts `shops` idle shops into."""
    return math.ceil(shops / shops_per_run)
