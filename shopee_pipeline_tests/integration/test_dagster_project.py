"""The code location loads as users load it: `dagster definitions validate` and the contract's CLI."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import func, select

from shopee_pipeline.definitions import defs
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.database import DAGSTER_SCHEMA, dagster_storage_url, ensure_schema
from shopee_pipeline_tests.pinned_clock import sandbox_day

REPO = Path(__file__).resolve().parents[2]


def test_assets_checks_schedule_and_sensors_are_defined() -> None:
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"orders", "order_items", "logistics", "escrow", "bookings"} <= keys
    assert defs.resolve_schedule_def("auto_sync_every_15_minutes")
    assert defs.resolve_sensor_def("webhook_events_sensor") and defs.resolve_sensor_def(
        "shop_partitions_sensor"
    )
    for key in ("orders", "escrow", "bookings"):
        spec = defs.resolve_assets_def(key).specs_by_key[dg.AssetKey(key)]
        assert spec.description and spec.owners and {"shopee", "postgres"} <= set(spec.kinds)
        assert "dagster/column_schema" in spec.metadata


def _dagster_env(pg_url: str, tmp_path: Path, pg_engine) -> dict[str, str]:
    ensure_schema(pg_engine, DAGSTER_SCHEMA)
    (tmp_path / "dagster.yaml").symlink_to(REPO / "dagster.yaml")
    return {**os.environ, "DAGSTER_HOME": str(tmp_path), "DAGSTER_POSTGRES_URL": dagster_storage_url(pg_url)}


@pytest.mark.slow
def test_definitions_validate(pg_url, pg_engine, tmp_path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        env=_dagster_env(pg_url, tmp_path, pg_engine),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]


@pytest.mark.clock
def test_contract_materialize_command_fills_every_table(
    pipeline, pg_url, pg_engine, tmp_path, monkeypatch
) -> None:
    env = _dagster_env(pg_url, tmp_path, pg_engine)
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", env["DAGSTER_POSTGRES_URL"])
    shop = pipeline.sandbox.shop_ids[0]
    day = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        instance.add_dynamic_partitions("shops", [str(shop)])
    command = [
        sys.executable, "-m", "dagster", "asset", "materialize", "-m", "shopee_pipeline.definitions",
        "--select", "orders,order_items,logistics,escrow,bookings", "--partition", f"{day}|{shop}",
    ]  # fmt: skip
    completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, completed.stderr[-3000:]
    with pipeline.warehouse.connect() as conn:
        for table in (tables.orders, tables.order_items, tables.logistics, tables.escrow, tables.bookings):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() > 0, table.name
    for secret in (pipeline.sandbox.partner_key,):
        assert secret not in completed.stdout and secret not in completed.stderr
