"""The local stack's homes and ports: `make demo`/`make dev` and `shopee-pipeline demo`/`dev` meet in one
Dagster home under SHOPEE_DATA_DIR, a stale or foreign `dagster.yaml` link there is replaced rather than
followed, and `dev` refuses a taken port before it starts anything."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from shopee_pipeline.launcher import REPO_ROOT, dagster_home, link_instance_config, prepare_stack
from shopee_pipeline.settings import get_settings, load_settings


def _make(*args: str, env: dict[str, str]) -> str:
    completed = subprocess.run(
        ["make", "--no-print-directory", "-s", "-C", str(REPO_ROOT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def _without_homes() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "SHOPEE_DATA_DIR")}


@pytest.mark.parametrize(
    "extra",
    [{}, {"SHOPEE_DATA_DIR": "/tmp/spt-data-dir"}, {"SHOPEE_DATA_DIR": "/srv/x", "DAGSTER_HOME": "/opt/dh"}],
)
def test_the_makefile_and_the_cli_choose_the_same_dagster_home(extra) -> None:
    env = {**_without_homes(), **extra}
    from_make = _make("--eval", "show-dagster-home: ; @echo $$DAGSTER_HOME", "show-dagster-home", env=env)
    assert from_make == str(dagster_home(load_settings(env), env))
    assert from_make.startswith(extra.get("DAGSTER_HOME") or extra.get("SHOPEE_DATA_DIR") or str(Path.home()))


def test_make_dev_passes_its_ports() -> None:
    printed = _make(
        "-n",
        "dev",
        "UI_PORT=3111",
        "RECEIVER_PORT=8111",
        "CLOCK_RATE=120",
        "ORDERS_PER_DAY=200",
        env=_without_homes(),
    )
    assert printed.splitlines()[-1].endswith(
        "shopee-pipeline dev --ui-port 3111 --receiver-port 8111 --clock-rate 120 --orders-per-day 200"
    )


def test_a_config_link_of_another_clone_is_replaced_and_a_users_file_kept(tmp_path) -> None:
    ours = REPO_ROOT / "dagster.yaml"
    other_clone = tmp_path / "other_clone"
    other_clone.mkdir()
    (other_clone / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    for target in (tmp_path / "deleted_clone" / "dagster.yaml", other_clone / "dagster.yaml", ours):
        home = tmp_path / f"home_{target.parent.name}"
        home.mkdir()
        (home / "dagster.yaml").symlink_to(target)
        config = link_instance_config(home)
        assert config.is_symlink() and Path(os.readlink(config)) == ours
        assert sorted(p.name for p in home.iterdir()) == ["dagster.yaml"]  # no temporary link left
    assert (other_clone / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"  # never written
    users = tmp_path / "users_home"
    users.mkdir()
    (users / "dagster.yaml").write_text("# mine\n")
    assert not link_instance_config(users).is_symlink()
    assert (users / "dagster.yaml").read_text() == "# mine\n"


def test_the_stack_starts_over_a_dangling_config_link(monkeypatch, pg_url, warehouse, tmp_path) -> None:
    """What made `demo` and `dev` fail with FileExistsError: a link left by a deleted clone."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").symlink_to(tmp_path / "deleted_clone" / "dagster.yaml")
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("SHOPEE_DB_SCHEMA", warehouse.schema)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", "")  # prepare_stack sets it; monkeypatch restores it
    get_settings.cache_clear()
    try:
        stack = prepare_stack(get_settings())
    finally:
        get_settings.cache_clear()
    assert stack.dagster_home == home
    assert (home / "dagster.yaml").resolve() == (REPO_ROOT / "dagster.yaml").resolve()


@pytest.mark.parametrize(("taken", "named"), [("ui", "the Dagster UI"), ("receiver", "the webhook receiver")])
def test_dev_refuses_a_taken_port_before_starting_anything(tmp_path, taken, named) -> None:
    with socket.socket() as holder, socket.socket() as spare:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        spare.bind(("127.0.0.1", 0))  # a free port, held only until dev starts
        ports = {"ui": spare.getsockname()[1], "receiver": spare.getsockname()[1]}
        ports[taken] = holder.getsockname()[1]
        spare.close()
        data_dir = tmp_path / "data"
        ours = ("SHOPEE_", "DAGSTER_", "DATABASE_URL")
        env = {k: v for k, v in os.environ.items() if not k.startswith(ours)} | {
            "SHOPEE_DATA_DIR": str(data_dir)
        }
        command = [sys.executable, "-m", "shopee_pipeline.cli", "dev", "--shops", "1"]
        command += ["--ui-port", str(ports["ui"]), "--receiver-port", str(ports["receiver"])]
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert completed.returncode != 0
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert f"port {ports[taken]} for {named} is already in use" in lines[0]
    assert not data_dir.exists()  # no database, no Dagster home: nothing was started
    assert completed.stdout == ""
