"""`make deploy-check`: the deployment of deploy/ run for real in containers, and proven from outside them.

Podman stands in for Docker: it builds deploy/Dockerfile (on a Debian base built by debootstrap, where no
image registry is reachable), `podman-compose` starts deploy/docker-compose.yaml (with
check/compose.check.yaml: the sandbox as the Shopee host, the local Postgres published), and the daemon's
`DockerRunLauncher` starts each run in a container of its own through the Docker API podman serves
(`podman system service`).

From outside the containers, this script then proves, printing one JSON line per step with its seconds:
`db upgrade` and the shops' onboarding through the containers; a tick of `auto_sync_every_15_minutes`
over the sandbox's shops launching several runs, each in its own run container; a run container killed
mid-run detected by run monitoring and retried to success; the warehouse equal to the sandbox's truth; a
signed push to the receiver's published port reaching `orders` through the push sensor's run; the dbt
location's models built after the syncs; the webserver's GraphQL answering with both locations' asset
graph; deploy/k8s/webhook-receiver.yaml answering under `podman play kube`; and the teardown (the daemon,
the runs in flight, then `podman-compose down -v`) leaving no container and no network behind.
`CHECK_KEEP=1` leaves the stack up instead.

Dagster's scheduler reads the real clock, so the daemon alone runs under libfaketime, shifted back so a
quarter hour comes `TICK_LEAD_S` after it starts (compose.check.yaml). Run with the project's venv from
the repository root: `python deploy/check/deploy_check.py` (the Makefile's `deploy-check` does).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import dagster as dg
import requests
import yaml

from shopee_pipeline.run_tags import SHOPS_TAG
from shopee_pipeline.sandbox.signing import push_signature
from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline_tests.integration.cluster_helpers.figures import truth_since
from shopee_pipeline_tests.integration.soak_helpers.audit import differences, truth_records, warehouse_records
from shopee_pipeline_tests.integration.soak_helpers.ticks import SCHEDULE, schedule_ticks

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
PROJECT = "shopee_check"
IMAGE = os.environ.get("CHECK_IMAGE", "localhost/shopee-pipeline:check")
BASE_IMAGE = os.environ.get("CHECK_BASE_IMAGE", "localhost/debian:bookworm")
POSTGRES_IMAGE = "localhost/shopee-check-postgres:15"
SOCKET = Path("/run/podman/podman.sock")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
FAKETIME_LIBRARY = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
JAKARTA = ZoneInfo("Asia/Jakarta")
SHOPS, SHOPS_PER_RUN = 12, 4
TICK_LEAD_S = 90  # the daemon starts this long before the quarter hour of its shifted clock
CONTAINER_ID_TAG = "docker/container_id"  # dagster-docker's run tag
PARENT_RUN_TAG = "dagster/parent_run_id"
RUN_LABEL = "dagster/run_id"  # dagster-docker's label on each run container
LOCATIONS = ("shopee_pipeline", "shopee_analytics")
NETWORK = "shopee_pipeline_network"  # docker-compose.yaml fixes its name
INFRA = ("dagster_postgres", "sandbox")
CODE = ("shopee_code", "shopee_analytics")
FRONT = ("dagster_webserver", "dagster_daemon", "shopee_webhook")

T = TypeVar("T")


def report(step: str, started: float, **figures: Any) -> None:
    """One JSON line: the step, its seconds since `started` (time.monotonic), and its figures."""
    print(json.dumps({"step": step, "s": round(time.monotonic() - started, 1), **figures}), flush=True)


def sh(*command: str, env: dict[str, str] | None = None, check: bool = True, quiet: bool = True) -> str:
    """Run a command; its stdout. On failure the command's output is shown and the check stops."""
    result = subprocess.run(command, env=env, capture_output=quiet, text=True)
    if check and result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stdout}{result.stderr}")
    return result.stdout if quiet else ""


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float, every_s: float = 1.0) -> T:
    """Until `probe` returns something other than None/False (exceptions count as not yet); that value."""
    deadline = time.monotonic() + timeout_s
    last_error = ""
    while time.monotonic() < deadline:
        try:
            value = probe()
            if value:
                return value
        except Exception as exc:  # a service not up yet answers with any error
            last_error = f": last error {type(exc).__name__}: {exc}"
        time.sleep(every_s)
    raise SystemExit(f"timed out after {timeout_s:.0f} s waiting for {what}{last_error}")


def free_port() -> int:
    """A free TCP port of the host."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def share_socket() -> None:
    """Podman's socket is its owner's alone (0600); Docker's is its group's too: the same here, so the
    non-root webserver and daemon reach it through the group compose adds them to (DOCKER_GID)."""
    SOCKET.chmod(0o660)


@contextmanager
def docker_api() -> Iterator[None]:
    """Podman's Docker API on SOCKET, started (and stopped afterwards) unless it already answers."""

    def answers() -> bool:
        return SOCKET.exists() and '"ApiVersion"' in sh(
            "curl", "-s", "--unix-socket", str(SOCKET), "http://d/version", check=False
        )

    if answers():
        share_socket()
        yield
        return
    SOCKET.parent.mkdir(parents=True, exist_ok=True)
    service = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{SOCKET}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for("podman's Docker API", answers, 30, 0.2)
        share_socket()
        yield
    finally:
        service.terminate()
        service.wait(30)


def build_images(started: float) -> None:
    """The base image (debootstrap, once), the project's image from deploy/Dockerfile, and the check's
    Postgres, each reusing podman's layer cache."""
    sh(str(DEPLOY / "check" / "base-image.sh"), BASE_IMAGE, quiet=False)
    report("base_image", started, image=BASE_IMAGE)
    sh(
        "podman", "build", "--quiet",
        "-f", str(DEPLOY / "Dockerfile"),
        "--ignorefile", str(DEPLOY / "Dockerfile.dockerignore"),
        "--build-arg", f"BASE_IMAGE={BASE_IMAGE}",
        "--build-arg", "PIP_CA_BUNDLE=/host-ca.crt",
        "-v", f"{CA_BUNDLE}:/host-ca.crt:ro",
        "-t", IMAGE,
        str(REPO),
    )  # fmt: skip
    size = json.loads(sh("podman", "image", "inspect", IMAGE))[0]["Size"]
    report("image_built", started, image=IMAGE, size_mb=round(size / 1e6))
    sh(
        "podman", "build", "--quiet",
        "-f", str(DEPLOY / "check" / "postgres.Containerfile"),
        "--build-arg", f"BASE_IMAGE={BASE_IMAGE}",
        "-t", POSTGRES_IMAGE,
        str(DEPLOY / "check"),
    )  # fmt: skip
    report("postgres_image_built", started, image=POSTGRES_IMAGE)


class Stack:
    """The compose project: its environment (what deploy/.env would hold), and podman-compose on it."""

    def __init__(self) -> None:
        password = secrets.token_hex(12)
        self.ports = {name: free_port() for name in ("ui", "webhook", "postgres", "sandbox")}
        self.partner_key = secrets.token_hex(32)
        self.webhook_url = f"http://127.0.0.1:{self.ports['webhook']}/api/webhook"
        in_network = f"dagster:{password}@dagster_postgres:5432/dagster"
        self.outside_url = f"dagster:{password}@127.0.0.1:{self.ports['postgres']}/dagster"
        self.env = {
            **os.environ,
            "SHOPEE_IMAGE": IMAGE,
            "POSTGRES_IMAGE": POSTGRES_IMAGE,
            "DOCKER_SOCKET": str(SOCKET),
            "DOCKER_GID": str(SOCKET.stat().st_gid),
            "DAGSTER_WEBSERVER_PORT": str(self.ports["ui"]),
            "SHOPEE_WEBHOOK_PORT": str(self.ports["webhook"]),
            "DAGSTER_PG_PASSWORD": password,
            "DATABASE_URL": f"postgresql://{in_network}",
            "DAGSTER_POSTGRES_URL": f"postgresql+psycopg2://{in_network}",
            "SHOPEE_PARTNER_ID": "2000017",
            "SHOPEE_PARTNER_KEY": self.partner_key,
            "SHOPEE_PUSH_PARTNER_KEY": "",
            "SHOPEE_API_BASE_URL": "http://sandbox:8900",
            "SHOPEE_WEBHOOK_URL": self.webhook_url,
            "SHOPEE_SHOPS_PER_RUN": str(SHOPS_PER_RUN),
            "SHOPEE_PUSH_SENSOR_SECONDS": "5",
            "SHOPEE_CLOCK_OFFSET_SECONDS": "",
            "CHECK_POSTGRES_PORT": str(self.ports["postgres"]),
            "CHECK_SANDBOX_PORT": str(self.ports["sandbox"]),
            "CHECK_SHOPS": str(SHOPS),
            "CHECK_SEED": "2512",
            "CHECK_FAKETIME_LIBRARY": str(FAKETIME_LIBRARY),
            "CHECK_FAKETIME_SITE": str(REPO / "shopee_pipeline_tests" / "faketime_site"),
            "CHECK_DAEMON_OFFSET": "0",
        }
        self.sandbox = f"http://127.0.0.1:{self.ports['sandbox']}"

    def compose(self, *args: str, check: bool = True) -> str:
        """`podman-compose` on deploy/docker-compose.yaml + check/compose.check.yaml, local Postgres."""
        return sh(
            str(Path(sys.executable).parent / "podman-compose"),
            "-p", PROJECT,
            "-f", str(DEPLOY / "docker-compose.yaml"),
            "-f", str(DEPLOY / "check" / "compose.check.yaml"),
            "--profile", "local-postgres",
            *args,
            env=self.env,
            check=check,
        )  # fmt: skip

    def up(self, *services: str) -> None:
        """Start `services` (their dependencies are started by the caller, in order: --no-deps)."""
        self.compose("up", "-d", "--no-deps", *services)

    def container(self, service: str) -> str:
        """The container name podman-compose gives `service`."""
        return f"{PROJECT}_{service}_1"

    def healthy(self, *services: str) -> None:
        """Until each service's healthcheck passes: podman runs it here (no systemd timer runs them)."""
        for service in services:
            wait_for(
                f"{service} healthy",
                lambda s=service: (
                    subprocess.run(
                        ["podman", "healthcheck", "run", self.container(s)], capture_output=True
                    ).returncode
                    == 0
                ),
                300,
                2,
            )

    def exec(self, service: str, *command: str) -> str:
        """A command in the service's running container."""
        return sh("podman", "exec", self.container(service), *command)

    def sandbox_control(self, method: str, path: str, body: dict | None = None) -> dict:
        """A `/_sandbox/...` control request through the sandbox's published port."""
        answer = requests.request(method, f"{self.sandbox}/_sandbox/{path}", json=body, timeout=120)
        answer.raise_for_status()
        return answer.json()

    def logs(self, service: str) -> str:
        """The last lines of a service's log."""
        return sh("podman", "logs", "--tail", "40", self.container(service), check=False)


def local(timestamp: float) -> datetime:
    """Unix seconds as Jakarta's local time (the pipeline's SHOPEE_TIMEZONE here)."""
    return datetime.fromtimestamp(timestamp, JAKARTA)


def daemon_offset(lead_s: float) -> int:
    """The (negative) clock offset that puts the daemon `lead_s` before a quarter hour: the last quarter
    hour before now + lead, minus now + lead."""
    target = time.time() + lead_s
    return int(target // 900 * 900 - target)


def outside_instance(stack: Stack, home: Path) -> dg.DagsterInstance:
    """The deployment's Dagster instance, read from this host through the published Postgres port."""
    storage = {"postgres": {"postgres_url": f"postgresql+psycopg2://{stack.outside_url}"}}
    (home / "dagster.yaml").write_text(yaml.safe_dump({"storage": storage, "telemetry": {"enabled": False}}))
    return dg.DagsterInstance.from_config(str(home))


def run_containers() -> dict[str, str]:
    """{run id: container id} of every run container podman holds (running or exited)."""
    rows = sh("podman", "ps", "-a", "--filter", f"label={RUN_LABEL}", "--format", "json")
    return {c["Labels"][RUN_LABEL]: c["Id"] for c in json.loads(rows or "[]")}


def finished(instance: dg.DagsterInstance, run_ids: list[str]) -> list[dg.DagsterRun] | None:
    """The runs, once every one of them has finished."""
    runs = instance.get_runs(filters=dg.RunsFilter(run_ids=run_ids))
    return runs if len(runs) == len(run_ids) and all(r.is_finished for r in runs) else None


def tick_and_kill(instance: dg.DagsterInstance, started: float) -> tuple[float, list[dg.DagsterRun]]:
    """The schedule's tick: its runs, each in its own container; one container killed once its run has
    started, its run failed by run monitoring and retried to success. The tick's time (Unix seconds) and
    every run of the sync, finished."""
    tick = wait_for(
        "the tick's runs",
        lambda: next((t for t in schedule_ticks(instance) if len(t.run_ids) >= SHOPS // SHOPS_PER_RUN), None),
        TICK_LEAD_S + 240,
    )
    run_ids = list(tick.run_ids)
    report("tick", started, runs=len(run_ids), tick_wib=f"{local(tick.timestamp):%H:%M}")
    of_tick = dg.RunsFilter(run_ids=run_ids, statuses=[dg.DagsterRunStatus.STARTED])
    victim = wait_for("a started run", lambda: next(iter(instance.get_runs(filters=of_tick)), None), 300, 0.5)
    sh("podman", "kill", victim.tags[CONTAINER_ID_TAG])
    killed_at = time.monotonic()
    report("run_container_killed", started, run_id=victim.run_id)
    of_victim = dg.RunsFilter(tags={PARENT_RUN_TAG: victim.run_id})
    retry = wait_for(
        "the killed run's retry", lambda: next(iter(instance.get_runs(filters=of_victim)), None), 300
    )
    failed = instance.get_run_by_id(victim.run_id)
    report(
        "killed_run_retried",
        started,
        detected_s=round(time.monotonic() - killed_at, 1),
        killed_status=failed.status.value if failed else None,
        retry_run_id=retry.run_id,
    )
    runs = wait_for("the sync runs to finish", lambda: finished(instance, [*run_ids, retry.run_id]), 600, 2)
    containers = {r.run_id: r.tags.get(CONTAINER_ID_TAG) for r in runs}
    statuses = {r.run_id: r.status.value for r in runs}
    assert statuses[victim.run_id] == "FAILURE", statuses
    assert all(s == "SUCCESS" for i, s in statuses.items() if i != victim.run_id), statuses
    assert None not in containers.values() and len(set(containers.values())) == len(runs), containers
    shops = sorted(s for r in runs if r.run_id != retry.run_id for s in r.tags[SHOPS_TAG].split(","))
    assert len(shops) == SHOPS, shops
    report("sync_runs_done", started, runs=len(runs), run_containers=len(set(containers.values())))
    return tick.timestamp, runs


def compare_with_truth(stack: Stack, tick_day_start: float) -> dict[str, int]:
    """The warehouse's orders and bookings against the sandbox's truth for the day; figures."""
    truth = stack.sandbox_control("GET", "truth")
    engine = create_warehouse_engine(f"postgresql://{stack.outside_url}")
    try:
        stored_orders, stored_bookings = warehouse_records(Warehouse(engine, "shopee"))
    finally:
        engine.dispose()
    orders, bookings = truth_since(truth, tick_day_start)
    mismatches = differences(orders, stored_orders, "order")
    mismatches += differences(bookings, stored_bookings, "booking")
    assert orders and not mismatches, "\n".join(mismatches[:20])
    return {"orders": len(orders), "bookings": len(bookings), "mismatches": len(mismatches)}


def push_one_order(stack: Stack, instance: dg.DagsterInstance, started: float) -> None:
    """The sandbox's clock moved on to now (its changes pushed nowhere); one order whose status changed
    is pushed, signed as Shopee signs, to the receiver's published port. The receiver sets the status at
    once (its quick status); then the push sensor's run, in a run container of its own, syncs the whole
    order: until it has succeeded and the order's row, packages included, equals the sandbox's."""
    engine = create_warehouse_engine(f"postgresql://{stack.outside_url}")
    try:
        warehouse = Warehouse(engine, "shopee")
        stored, _ = warehouse_records(warehouse)
        # Up to now (its clock stood still since it started), not past it: the pipeline reads up to now.
        if stack.sandbox_control("GET", "now")["now"] < time.time() - 5:
            stack.sandbox_control("POST", "clock", {"now": int(time.time()) - 5, "wait_pushes": False})
        raw = stack.sandbox_control("GET", "truth")
        truth, _ = truth_records(raw)
        changed = next(sn for sn, order in truth.items() if sn in stored and stored[sn][0] != order[0])
        shop_id = next(
            s["shop_id"] for s in raw["shops"] if any(o["order_sn"] == changed for o in s["orders"])
        )
        status, update_time, _ = truth[changed]
        message = {
            "msg_id": secrets.token_hex(16),
            "shop_id": shop_id,
            "code": 3,
            "timestamp": update_time,
            "data": {
                "ordersn": changed,
                "status": status,
                "update_time": update_time,
                "items": [],
                "completed_scenario": "NORMAL",
            },
        }
        body = json.dumps(message, separators=(",", ":")).encode()
        signature = push_signature(stack.partner_key, stack.webhook_url, body)
        headers = {"Content-Type": "application/json", "Authorization": signature}
        pushed = time.monotonic()
        answer = requests.post(stack.webhook_url, data=body, headers=headers, timeout=30)
        assert answer.status_code == 200, answer.status_code
        pushes = dg.RunsFilter(tags={"shopee/trigger": "push", "shopee/shop": str(shop_id)})
        run = wait_for(
            "the push sensor's run",
            lambda: next((r for r in instance.get_runs(filters=pushes) if r.is_finished), None),
            420,
            2,
        )
        assert run.status == dg.DagsterRunStatus.SUCCESS and run.tags.get(CONTAINER_ID_TAG), run.tags
        row = warehouse_records(warehouse)[0].get(changed)
        assert row == truth[changed], f"{changed}: warehouse {row}, sandbox {truth[changed]}"
    finally:
        engine.dispose()
    report("push_synced", started, push_to_run_end_s=round(time.monotonic() - pushed, 1), run_id=run.run_id)


def dbt_built(instance: dg.DagsterInstance, after: float, started: float) -> None:
    """Until a run of the dbt location, started after the syncs ended, has succeeded in its container."""

    def analytics_run() -> dg.RunRecord | None:
        records = instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS]))
        return next(
            (
                r
                for r in records
                if r.dagster_run.remote_job_origin.location_name == "shopee_analytics"
                and (r.start_time or 0) >= after
            ),
            None,
        )

    record = wait_for("a dbt run after the syncs", analytics_run, 420, 3)
    run = record.dagster_run
    materialized = [
        e.asset_materialization.asset_key.to_user_string()
        for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        if e.asset_materialization
    ]
    assert materialized and run.tags.get(CONTAINER_ID_TAG), run.tags
    report("dbt_models_built", started, run_id=run.run_id, models=len(materialized))


def graphql_asset_graph(stack: Stack, started: float) -> None:
    """The webserver's GraphQL endpoint, from this host: the asset graph holds both code locations."""
    query = "{ assetNodes { assetKey { path } repository { location { name } } } }"
    answer = requests.post(f"http://127.0.0.1:{stack.ports['ui']}/graphql", json={"query": query}, timeout=60)
    answer.raise_for_status()
    nodes = answer.json()["data"]["assetNodes"]
    located = [n["repository"]["location"]["name"] for n in nodes]
    per_location = {name: located.count(name) for name in LOCATIONS}
    assert all(per_location.values()), per_location
    report("graphql_asset_graph", started, assets=per_location)


def connect_shops(stack: Stack, started: float) -> None:
    """`db upgrade`, then every sandbox shop connected, each by `shopee-pipeline` in the code container."""
    stack.exec("shopee_code", "shopee-pipeline", "db", "upgrade")
    shop_ids = stack.sandbox_control("GET", "shops")["shop_ids"]
    codes = {s: stack.sandbox_control("POST", "authorize", {"shop_id": s})["code"] for s in shop_ids}
    arguments = "".join(f"--shop-id {shop_id} --code {code}\n" for shop_id, code in codes.items())
    # Four at a time: each command spends most of its seconds importing Dagster.
    connect = f"printf '%s' '{arguments}' | xargs -P 4 -L 1 shopee-pipeline shops connect"
    out = stack.exec("shopee_code", "sh", "-ec", connect)
    assert out.count("connected shop") == len(shop_ids), out
    report("db_upgrade_and_shops", started, shops=len(shop_ids))


def kube_receiver(stack: Stack, home: Path, started: float) -> None:
    """deploy/k8s/webhook-receiver.yaml run by `podman play kube` (its image this check's, its Secret and
    ConfigMap from the stack's environment) on the compose network: until its container answers
    /healthz, then taken down. Podman runs Deployments as pods and ignores the Service."""
    manifests = list(yaml.safe_load_all((DEPLOY / "k8s" / "webhook-receiver.yaml").read_text()))
    deployment = next(m for m in manifests if m["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = IMAGE
    secret = {k: stack.env[k] for k in ("DATABASE_URL", "SHOPEE_PARTNER_KEY", "SHOPEE_PUSH_PARTNER_KEY")}
    config = {k: stack.env[k] for k in ("SHOPEE_PARTNER_ID", "SHOPEE_WEBHOOK_URL", "SHOPEE_API_BASE_URL")}
    config_manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "shopee-pipeline-config"},
        "data": config,
    }
    kube, secret_file = home / "kube.yaml", home / "secret.json"
    kube.write_text(yaml.safe_dump_all([config_manifest, deployment]))
    # Podman 4.3 reads envFrom's Secret as a podman secret holding {key: base64 value} as JSON (a Secret
    # manifest inside the kube file is stored as YAML, which it then fails to parse).
    secret_file.write_text(json.dumps({k: base64.b64encode(v.encode()).decode() for k, v in secret.items()}))
    sh("podman", "secret", "rm", "shopee-pipeline-env", check=False)
    sh("podman", "secret", "create", "shopee-pipeline-env", str(secret_file))
    secret_file.unlink()
    sh("podman", "play", "kube", "--replace", "--network", NETWORK, str(kube))
    try:
        probe = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"
        container = "shopee-webhook-pod-0-receiver"
        wait_for(
            "the kube receiver's /healthz",
            lambda: (
                subprocess.run(
                    ["podman", "exec", container, "python", "-c", probe], capture_output=True
                ).returncode
                == 0
            ),
            180,
            2,
        )
        read_only = json.loads(sh("podman", "inspect", container))[0]["HostConfig"]["ReadonlyRootfs"]
    finally:
        sh("podman", "play", "kube", "--down", str(kube), check=False)
        sh("podman", "secret", "rm", "shopee-pipeline-env", check=False)
    report("kube_receiver", started, read_only_root=read_only)


def no_container_left() -> list[str]:
    """Names of the containers of the check still on the host: the project's and every run container."""
    rows = json.loads(sh("podman", "ps", "-a", "--format", "json") or "[]")
    return [
        c["Names"][0]
        for c in rows
        if c.get("Labels", {}).get("io.podman.compose.project") == PROJECT or RUN_LABEL in c.get("Labels", {})
    ]


def networks_left() -> list[str]:
    """The compose network, when it is still there."""
    return [n for n in sh("podman", "network", "ls", "--format", "{{.Name}}").split() if n == NETWORK]


def main() -> None:
    """Build, start, prove, tear down; exits non-zero at the first step that fails."""
    started = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped check still tears down
    with docker_api():
        build_images(started)
        stack = Stack()
        home = Path(tempfile.mkdtemp(prefix="deploy-check-"))
        try:
            prove(stack, home, started)
        finally:
            if os.environ.get("CHECK_KEEP") != "1":
                down = time.monotonic()
                # `compose down` knows no run container: the daemon stops first (no new run), then the
                # runs still in flight (removed as they stop: auto_remove), then the services.
                stack.compose("stop", "dagster_daemon", check=False)
                in_flight = list(run_containers().values())
                if in_flight:
                    sh("podman", "stop", *in_flight, check=False)
                stack.compose("down", "-v", check=False)
                deadline = time.monotonic() + 60  # a stopped run container is removed a moment later
                while (left := no_container_left()) and time.monotonic() < deadline:
                    time.sleep(1)
                report(
                    "down",
                    down,
                    runs_stopped=len(in_flight),
                    containers_left=len(left),
                    networks_left=len(networks_left()),
                )
                shutil.rmtree(home, ignore_errors=True)
                if left:
                    sys.exit(f"containers left behind: {left}")
    report("deploy_check", started, result="passed")


def prove(stack: Stack, home: Path, started: float) -> None:
    """Everything between `up` and `down`."""
    stack.up(*INFRA)
    stack.healthy("dagster_postgres")
    wait_for("the sandbox", lambda: stack.sandbox_control("GET", "now"), 120)
    stack.sandbox_control("POST", "faults", {"latency_ms": 50})
    stack.up(*CODE)
    stack.healthy(*CODE)
    report("code_servers_up", started)
    connect_shops(stack, started)
    stack.env["CHECK_DAEMON_OFFSET"] = str(daemon_offset(TICK_LEAD_S))
    stack.up(*FRONT)
    stack.healthy("shopee_webhook")
    report("stack_up", started, daemon_clock_offset_s=int(stack.env["CHECK_DAEMON_OFFSET"]))
    instance = outside_instance(stack, home)
    try:
        wait_for(
            f"the daemon taking up {SCHEDULE}",
            lambda: any(s.instigator_name == SCHEDULE for s in instance.all_instigator_state()),
            240,
        )
        tick_at, runs = tick_and_kill(instance, started)
        midnight = local(tick_at).replace(hour=0, minute=0, second=0, microsecond=0)
        # In the first hour of a day the tick syncs yesterday too (auto_sync_every_15_minutes).
        first_day = midnight - timedelta(days=1) if local(tick_at).hour == 0 else midnight
        report("warehouse_equals_truth", started, **compare_with_truth(stack, first_day.timestamp()))
        records = instance.get_run_records(filters=dg.RunsFilter(run_ids=[r.run_id for r in runs]))
        syncs_end = max(r.end_time or 0 for r in records)
        graphql_asset_graph(stack, started)
        push_one_order(stack, instance, started)
        dbt_built(instance, syncs_end, started)
        kube_receiver(stack, home, started)
    except BaseException:
        for service in (*FRONT, *CODE, "sandbox"):
            print(f"--- {service}\n{stack.logs(service)}", file=sys.stderr)
        raise
    finally:
        instance.dispose()


if __name__ == "__main__":
    main()
