"""deploy/ as Dagster and the CLIs read it: each production dagster.yaml built into a real instance (storage
on the session's Postgres, the run launcher instantiated), the Helm values rendered as the chart renders
them and validated, the compose commands parsed by the CLIs they name, the image's pins checked against
pyproject.toml. No Docker daemon or cluster: the K8s launcher loads a fake pod's service account."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml
from dagster._config import process_config
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.utils import parse_env_var
from dagster._core.workspace.config_schema import ensure_workspace_config
from dagster._serdes import ConfigurableClassData
from dagster_docker import DockerRunLauncher
from dagster_k8s import K8sRunLauncher
from dagster_postgres.utils import get_conn_string, pg_config
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from shopee_pipeline.cli import build_parser, cmd_webhook_serve
from shopee_pipeline.settings import load_settings
from shopee_pipeline.warehouse.database import DAGSTER_SCHEMA, dagster_storage_url, ensure_schema

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
INSTANCE_FILES = ("dagster.docker.yaml", "dagster.k8s.yaml")
FAKE_API_SERVER = ("10.96.0.1", "443")
# deploy/'s run queue: `concurrency: runs: max_concurrent_runs` (docs/production.md's arithmetic).
MAX_CONCURRENT_RUNS = 4


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _env_example() -> dict[str, str]:
    """deploy/.env.example's assignments."""
    pairs = (line.split("=", 1) for line in (DEPLOY / ".env.example").read_text().splitlines())
    return {key: value for key, value in (p for p in pairs if len(p) == 2) if not key.startswith("#")}


def _interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}`, failing as compose does on a missing one."""

    def value(match: re.Match[str]) -> str:
        name, operator, rest = match.group(1), match.group(2), match.group(3) or ""
        if env.get(name):
            return env[name]
        if operator == ":?":
            raise AssertionError(f"compose refuses to start: {name} unset ({rest})")
        return rest

    return re.sub(r"\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}", value, text)


def _compose() -> dict[str, Any]:
    """deploy/docker-compose.yaml as compose sees it with deploy/.env copied from .env.example."""
    return yaml.safe_load(_interpolate((DEPLOY / "docker-compose.yaml").read_text(), _env_example()))


def _dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


def _dockerfile_env(name: str) -> str:
    match = re.search(rf"\b{name}=(\S+)", _dockerfile())
    assert match, f"deploy/Dockerfile sets no {name}"
    return match.group(1)


def _settings_variables() -> set[str]:
    """Every variable `load_settings` reads, recorded as it reads them."""

    class Recording(dict):
        def get(self, key: str, default: object = None) -> object:
            self.setdefault(key, "")
            return default

    recorded = Recording()
    load_settings(recorded)
    return set(recorded)


@pytest.fixture
def deploy_env(monkeypatch, pg_url: str, pg_engine) -> Iterator[dict[str, str]]:
    """The environment of the compose services (deploy/.env.example's values), Dagster's storage on the
    session's Postgres."""
    ensure_schema(pg_engine, DAGSTER_SCHEMA)
    compose_env = _compose()["services"]["dagster_daemon"]["environment"]
    daemon_env = {key: "" if value is None else str(value) for key, value in compose_env.items()}
    env = {**daemon_env, "DAGSTER_POSTGRES_URL": dagster_storage_url(pg_url)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield env


@pytest.fixture
def fake_pod(monkeypatch, tmp_path: Path) -> None:
    """What Kubernetes gives a pod: the API server's address and a service account token and CA."""
    import kubernetes.config.incluster_config as incluster

    token, cert = tmp_path / "token", tmp_path / "ca.crt"
    token.write_text("not-a-real-token")
    cert.write_text("-----BEGIN CERTIFICATE-----\nnot-a-real-ca\n-----END CERTIFICATE-----\n")
    monkeypatch.setattr(incluster, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster, "SERVICE_CERT_FILENAME", str(cert))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", FAKE_API_SERVER[0])
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", FAKE_API_SERVER[1])


def _repo_tag_limits() -> list[dict[str, Any]]:
    """The per-shop limits of the repository's dagster.yaml (`concurrency: runs:`, else its
    `run_coordinator` config)."""
    config = _yaml(REPO / "dagster.yaml")
    runs = config.get("concurrency", {}).get("runs") or config["run_coordinator"]["config"]
    return runs["tag_concurrency_limits"]


def _assert_queue_monitoring_and_retries(instance: dg.DagsterInstance, max_runs: int) -> None:
    assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
    # What the daemon's queue reads (QueuedRunCoordinatorDaemon): `concurrency: runs:` over the coordinator.
    queue = instance.get_concurrency_config().run_queue_config
    assert queue is not None
    assert queue.max_concurrent_runs == max_runs
    assert list(queue.tag_concurrency_limits) == _repo_tag_limits()
    assert instance.run_monitoring_enabled
    assert instance.run_monitoring_start_timeout_seconds == 300
    assert instance.run_monitoring_cancel_timeout_seconds == 300
    assert instance.run_monitoring_max_resume_run_attempts == 0
    assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
    assert instance.run_retries_retry_on_asset_or_op_failure is False
    daemons = set(instance.get_required_daemon_types())
    assert {"QUEUED_RUN_COORDINATOR", "MONITORING", "EVENT_LOG_CONSUMER", "SCHEDULER", "SENSOR"} <= daemons
    # The storage is the Postgres of DAGSTER_POSTGRES_URL: a write reads back.
    instance.add_dynamic_partitions("deploy_config_test", ["written"])
    try:
        assert instance.get_dynamic_partitions("deploy_config_test") == ["written"]
    finally:
        instance.delete_dynamic_partition("deploy_config_test", "written")


def _instance(filename: str, home: Path) -> dg.DagsterInstance:
    """The instance of deploy/`filename`, built as `DagsterInstance.get()` builds it from DAGSTER_HOME."""
    return dg.DagsterInstance.from_ref(
        InstanceRef.from_dir(str(home), config_dir=str(DEPLOY), config_filename=filename)
    )


@pytest.mark.parametrize("filename", INSTANCE_FILES)
def test_instance_config_validates_and_keeps_the_repo_limits(filename: str, deploy_env) -> None:
    config, custom_class = dagster_instance_config(str(DEPLOY), config_filename=filename)
    assert custom_class is None
    # The queue's limits live under `concurrency: runs:`, the coordinator is named without config.
    assert config["concurrency"]["runs"]["tag_concurrency_limits"] == _repo_tag_limits()
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == MAX_CONCURRENT_RUNS
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert not config["run_coordinator"].get("config")
    assert config["storage"]["postgres"]["postgres_url"] == {"env": "DAGSTER_POSTGRES_URL"}


def test_docker_instance_builds_with_its_launcher(deploy_env, tmp_path: Path) -> None:
    with _instance("dagster.docker.yaml", tmp_path) as instance:
        _assert_queue_monitoring_and_retries(instance, MAX_CONCURRENT_RUNS)
        launcher = instance.run_launcher
        assert isinstance(launcher, DockerRunLauncher)
        compose = _compose()
        assert launcher.image == compose["services"]["shopee_code"]["environment"]["DAGSTER_CURRENT_IMAGE"]
        assert launcher.networks == [compose["networks"]["shopee_pipeline_network"]["name"]]
        volume = launcher.container_kwargs["volumes"][0].split(":")[0]
        assert volume == compose["volumes"]["shopee_dagster_storage"]["name"]
        # Each run container gets every setting, from the daemon's environment as compose sets it.
        assert _settings_variables() <= set(launcher.env_vars)
        passed = dict(parse_env_var(name) for name in launcher.env_vars)
        assert passed["DATABASE_URL"] == deploy_env["DATABASE_URL"]
        assert passed["SHOPEE_PARTNER_KEY"] == deploy_env["SHOPEE_PARTNER_KEY"]


def _instance_from(config: Mapping[str, Any], home: Path) -> dg.DagsterInstance:
    """The instance of `config` written as home/dagster.yaml, loaded as `DagsterInstance.get()` loads it."""
    (home / "dagster.yaml").write_text(yaml.safe_dump(dict(config)))
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))


def test_concurrency_runs_is_the_queue_dagster_loads(deploy_env, tmp_path: Path) -> None:
    """Dagster 1.13.27 takes `concurrency: runs:` as the queue's settings; its `max_concurrent_runs` is a
    plain number (why deploy/ no longer reads DAGSTER_MAX_CONCURRENT_RUNS), and the old `run_coordinator`
    config beside it is refused."""
    config = _yaml(DEPLOY / "dagster.docker.yaml")
    config["concurrency"]["runs"]["max_concurrent_runs"] = 2
    with _instance_from(config, tmp_path) as instance:
        queue = instance.get_concurrency_config().run_queue_config
        assert queue is not None and queue.max_concurrent_runs == 2
        assert list(queue.tag_concurrency_limits) == _repo_tag_limits()
    config["concurrency"]["runs"]["max_concurrent_runs"] = {"env": "DAGSTER_MAX_CONCURRENT_RUNS"}
    with pytest.raises(DagsterInvalidConfigError):
        _instance_from(config, tmp_path)
    config["concurrency"]["runs"]["max_concurrent_runs"] = 2
    config["run_coordinator"]["config"] = {"max_concurrent_runs": 3}
    with pytest.raises(DagsterInvalidConfigError, match="incompatible with the `concurrency > runs`"):
        _instance_from(config, tmp_path)


def test_k8s_instance_builds_with_its_launcher_in_a_pod(deploy_env, fake_pod, tmp_path: Path) -> None:
    import kubernetes

    with _instance("dagster.k8s.yaml", tmp_path) as instance:
        _assert_queue_monitoring_and_retries(instance, MAX_CONCURRENT_RUNS)
        launcher = instance.run_launcher
        assert isinstance(launcher, K8sRunLauncher)
        assert launcher.env_secrets == ["shopee-pipeline-env"]
        assert launcher.env_config_maps == ["shopee-pipeline-config"]
        assert launcher.dagster_home == _dockerfile_env("DAGSTER_HOME")
        assert launcher.resources["limits"]["memory"] == "1Gi"
        # The in-cluster config was loaded: the client talks to the pod's API server with its token.
        client_config = kubernetes.client.Configuration.get_default_copy()
        assert client_config.host == f"https://{FAKE_API_SERVER[0]}:{FAKE_API_SERVER[1]}"
        assert client_config.api_key["BearerToken"].lower() == "bearer not-a-real-token"


def _helm_values() -> dict[str, Any]:
    return _yaml(DEPLOY / "helm" / "values.yaml")


def _rendered_instance(values: Mapping[str, Any]) -> dict[str, Any]:
    """The dagster.yaml pieces the chart renders from `values` (its instance ConfigMap and helpers:
    configmap-instance.yaml, _run-coordinator.tpl, _concurrency.tpl, _run-launcher.tpl for
    K8sRunLauncher). The chart refuses queue limits both under the coordinator and under `concurrency`,
    and renders the coordinator's `config` only when it has values."""
    daemon = values["dagsterDaemon"]
    queued = daemon["runCoordinator"]["config"]["queuedRunCoordinator"]
    assert not queued, "queue limits belong under `concurrency.runs` (the chart refuses both)"
    runs = values["concurrency"]["runs"]
    monitoring, retries = daemon["runMonitoring"], daemon["runRetries"]
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    return {
        "run_coordinator": {"module": "dagster.core.run_coordinator", "class": "QueuedRunCoordinator"},
        "concurrency": {
            "runs": {
                "max_concurrent_runs": runs["maxConcurrentRuns"],
                "tag_concurrency_limits": runs["tagConcurrencyLimits"],
            }
        },
        "run_launcher": {
            "module": "dagster_k8s",
            "class": "K8sRunLauncher",
            "config": {
                "load_incluster_config": k8s["loadInclusterConfig"],
                "job_namespace": k8s["jobNamespace"],
                "image_pull_policy": k8s["imagePullPolicy"],
                "service_account_name": values["global"]["serviceAccountName"],
                "dagster_home": values["global"]["dagsterHome"],
                "instance_config_map": "shopee-pipeline-dagster-instance",
                "postgres_password_secret": values["global"]["postgresqlSecretName"],
                "env_config_maps": [ref["name"] for ref in k8s["envConfigMaps"]],
                "env_secrets": [ref["name"] for ref in k8s["envSecrets"]],
                "labels": k8s["labels"],
                "resources": k8s["resources"],
                "security_context": k8s["securityContext"],
            },
        },
        "run_monitoring": {
            "enabled": monitoring["enabled"],
            "start_timeout_seconds": monitoring["startTimeoutSeconds"],
            "cancel_timeout_seconds": monitoring["cancelTimeoutSeconds"],
            "max_resume_run_attempts": monitoring["maxResumeRunAttempts"],
            "poll_interval_seconds": monitoring["pollIntervalSeconds"],
            "free_slots_after_run_end_seconds": monitoring["freeSlotsAfterRunEndSeconds"],
        },
        "run_retries": {
            "enabled": retries["enabled"],
            "max_retries": retries["maxRetries"],
            "retry_on_asset_or_op_failure": retries["retryOnAssetOrOpFailure"],
        },
        "retention": {
            kind: {"purge_after_days": values["retention"][kind]["purgeAfterDays"]}
            for kind in ("schedule", "sensor")
        },
        "python_logs": {"python_log_level": values["pythonLogs"]["pythonLogLevel"]},
        "telemetry": {"enabled": values["telemetry"]["enabled"]},
    }


def test_helm_values_render_the_k8s_instance(tmp_path: Path, fake_pod) -> None:
    values = _helm_values()
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(_rendered_instance(values)))
    rendered, _ = dagster_instance_config(str(tmp_path))
    expected, _ = dagster_instance_config(str(DEPLOY), config_filename="dagster.k8s.yaml")
    for section in ("concurrency", "run_monitoring", "run_retries", "retention", "python_logs", "telemetry"):
        assert rendered[section] == expected[section], section
    runs = rendered["concurrency"]["runs"]
    assert runs["tag_concurrency_limits"] == _repo_tag_limits()
    assert runs["max_concurrent_runs"] == MAX_CONCURRENT_RUNS
    # The chart's launcher config builds a K8sRunLauncher, with the same env sources as dagster.k8s.yaml.
    launcher_config = rendered["run_launcher"]
    launcher = ConfigurableClassData(
        launcher_config["module"], launcher_config["class"], yaml.safe_dump(launcher_config["config"])
    ).rehydrate(K8sRunLauncher)
    k8s_yaml = expected["run_launcher"]["config"]
    assert launcher.env_secrets == k8s_yaml["env_secrets"]
    assert launcher.env_config_maps == k8s_yaml["env_config_maps"]
    assert launcher.resources == k8s_yaml["resources"]


def test_helm_storage_is_the_external_postgres_with_its_schema(monkeypatch) -> None:
    values = _helm_values()
    postgresql = values["postgresql"]
    assert postgresql["enabled"] is False and values["generatePostgresqlPasswordSecret"] is False
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "dummy-password")
    rendered = {  # _postgresql.tpl
        "postgres_db": {
            "username": postgresql["postgresqlUsername"],
            "password": {"env": "DAGSTER_PG_PASSWORD"},
            "hostname": postgresql["postgresqlHost"],
            "db_name": postgresql["postgresqlDatabase"],
            "port": postgresql["service"]["port"],
            "params": postgresql["postgresqlParams"],
        }
    }
    processed = process_config(pg_config(), rendered)
    assert processed.success, processed.errors
    url = get_conn_string(**processed.value["postgres_db"])
    assert url.endswith("/postgres?sslmode=require&options=-c%20search_path%3D" + DAGSTER_SCHEMA)


def _repo_locations() -> dict[str, str]:
    """The repository's workspace.yaml: module by location name (what `make dev` loads)."""
    entries = _yaml(REPO / "workspace.yaml")["load_from"]
    return {e["python_module"]["location_name"]: e["python_module"]["module_name"] for e in entries}


def _served_location(args: list[str]) -> tuple[str, str]:
    """`(location name, module)` of `dagster api grpc` arguments."""
    return args[args.index("--location-name") + 1], args[args.index("-m") + 1]


def test_deploy_ships_every_code_location_of_the_workspace() -> None:
    """compose, its workspace and the Helm values serve both locations of workspace.yaml
    (`shopee_pipeline` and the dbt one, `shopee_analytics`), each from the image."""
    locations = _repo_locations()
    assert set(locations) == {"shopee_pipeline", "shopee_analytics"}
    services = _compose()["services"]
    grpc = {name: s for name, s in services.items() if s.get("command", [])[:3] == ["dagster", "api", "grpc"]}
    served = dict(_served_location(s["command"]) for s in grpc.values())
    assert served == locations
    workspace = _yaml(DEPLOY / "workspace.yaml")
    assert ensure_workspace_config(workspace, str(DEPLOY / "workspace.yaml"))
    for entry in workspace["load_from"]:
        server = entry["grpc_server"]
        command = services[server["host"]]["command"]
        assert _served_location(command)[0] == server["location_name"]
        assert command[command.index("-p") + 1] == str(server["port"])
        assert "DAGSTER_CURRENT_IMAGE" in services[server["host"]]["environment"]
    assert {e["grpc_server"]["location_name"] for e in workspace["load_from"]} == set(locations)
    # The webserver and the daemon wait for both servers.
    for name in ("dagster_webserver", "dagster_daemon"):
        assert {host for host in services[name]["depends_on"] if host in grpc} == set(grpc)
    deployments = _helm_values()["dagster-user-deployments"]["deployments"]
    assert dict(_served_location(d["dagsterApiGrpcArgs"]) for d in deployments) == locations
    for deployment in deployments:
        assert deployment["envSecrets"] == [{"name": "shopee-pipeline-env"}]
        assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True


def test_helm_user_deployment_serves_the_code_location_as_compose_does() -> None:
    deployments = _helm_values()["dagster-user-deployments"]["deployments"]
    services = _compose()["services"]
    for deployment, service in zip(deployments, ("shopee_code", "shopee_analytics"), strict=True):
        code_command = services[service]["command"]
        assert code_command[:3] == ["dagster", "api", "grpc"]
        assert deployment["dagsterApiGrpcArgs"] == code_command[7:]
        assert deployment["envSecrets"] == [{"name": "shopee-pipeline-env"}]


def _image_path_to_repo(argument: str) -> str:
    """A path inside the image, as the repository file the Dockerfile copies there (else unchanged)."""
    copies = dict(
        (target, REPO / source) for source, target in re.findall(r"^COPY (\S+) (\S+)$", _dockerfile(), re.M)
    )
    return str(copies.get(argument, argument))


def _parse_command(command: list[str]) -> str:
    """Parse `command` with the CLI it names; return that CLI's name."""
    from dagster._cli import cli as dagster_cli
    from dagster._daemon.cli import cli as daemon_cli
    from dagster_webserver.cli import cli as webserver_cli

    args = [_image_path_to_repo(arg) for arg in command[1:]]
    if command[0] == "shopee-pipeline":
        assert build_parser().parse_args(args).func is cmd_webhook_serve
    elif command[0] == "dagster-webserver":
        webserver_cli.make_context("dagster-webserver", args)
    elif command[0] == "dagster-daemon":
        daemon_cli.get_command(None, args[0]).make_context(args[0], args[1:])
    elif command[0] == "dagster":
        group = dagster_cli.get_command(None, args[0])
        group.get_command(None, args[1]).make_context(args[1], args[2:])
    else:
        raise AssertionError(f"unknown command {command}")
    return " ".join(command[:3] if command[0] == "dagster" else command[:2])


def test_compose_services_run_real_commands() -> None:
    services = _compose()["services"]
    commands = {name: _parse_command(spec["command"]) for name, spec in services.items() if "command" in spec}
    assert commands == {
        "shopee_code": "dagster api grpc",
        "shopee_analytics": "dagster api grpc",
        "dagster_webserver": "dagster-webserver -h",
        "dagster_daemon": "dagster-daemon run",
        "shopee_webhook": "shopee-pipeline webhook",
    }
    assert services["dagster_postgres"]["profiles"] == ["local-postgres"]
    assert ensure_workspace_config(_yaml(DEPLOY / "workspace.yaml"), str(DEPLOY / "workspace.yaml"))
    for entry in _yaml(DEPLOY / "workspace.yaml")["load_from"]:
        server = entry["grpc_server"]
        assert str(server["port"]) in services[server["host"]]["command"]


def test_compose_refuses_to_start_without_the_secrets() -> None:
    text = (DEPLOY / "docker-compose.yaml").read_text()
    for name in ("DATABASE_URL", "DAGSTER_POSTGRES_URL", "SHOPEE_PARTNER_KEY"):
        env = {key: value for key, value in _env_example().items() if key != name}
        with pytest.raises(AssertionError, match=name):
            _interpolate(text, env)


def test_env_example_names_every_variable() -> None:
    documented = set(_env_example())
    compose_vars = set(re.findall(r"\$\{([A-Z0-9_]+)", (DEPLOY / "docker-compose.yaml").read_text()))
    launcher_vars = set(_yaml(DEPLOY / "dagster.docker.yaml")["run_launcher"]["config"]["env_vars"])
    assert _settings_variables() | compose_vars | launcher_vars <= documented


def _constraints() -> dict[str, str]:
    lines = (DEPLOY / "constraints.txt").read_text().splitlines()
    pins = (Requirement(line) for line in lines if line and not line.startswith("#"))
    return {canonicalize_name(pin.name): str(pin.specifier).removeprefix("==") for pin in pins}


def test_image_pins_match_pyproject() -> None:
    # The pinned closure in a layer of its own, then our package without resolving again.
    for install in (
        "pip install --requirement deploy/constraints.txt",
        "pip install --no-deps --constraint deploy/constraints.txt '.[deploy]'",
        "pip check",
    ):
        assert install in _dockerfile(), install
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["deploy"]
    ]
    pins = _constraints()
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"deploy/constraints.txt does not pin {name}"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} outside {requirement}"
        if name.startswith("dagster"):
            assert str(requirement.specifier) == f"=={pins[name]}", name
    assert _dockerfile().startswith("# ")
    assert "ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}" in _dockerfile()
    assert re.search(r"^USER dagster", _dockerfile(), re.M)
