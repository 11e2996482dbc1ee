"""The README's steps with a transaction-pooler `DATABASE_URL`, against a real PgBouncer in transaction mode.

Supabase's transaction pooler (port 6543) hands a server connection to another client after every
transaction and refuses startup parameters it cannot pool. Every command here reaches Postgres only
through PgBouncer: migrations, onboarding, the sync (psycopg 3) and Dagster's own storage (psycopg2).
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.database import create_warehouse_engine, with_driver
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline_tests.integration.pgbouncer_fixture import Pooler, running_pgbouncer
from shopee_pipeline_tests.integration.test_dagster_project import REPO, _dagster_env
from shopee_pipeline_tests.pinned_clock import SANDBOX_START, sandbox_day

pytestmark = pytest.mark.slow

ASSETS = "orders,order_items,logistics,escrow,bookings"
SYNCED = (tables.orders, tables.order_items, tables.logistics, tables.escrow, tables.bookings)
JAKARTA = ZoneInfo("Asia/Jakarta")
CLI = str(Path(sys.executable).with_name("shopee-pipeline"))


@pytest.fixture
def pooled_database(pg_url: str, pg_engine) -> Iterator[tuple[Pooler, str]]:
    """A fresh database of the session's server and a PgBouncer in front of it; both gone afterwards."""
    name = f"pgb_{uuid.uuid4().hex[:10]}"
    with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        with running_pgbouncer(pg_url) as pooler:
            yield pooler, name
    finally:
        with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, f"{command[1:4]}: {completed.stderr[-3000:]}"
    return completed


def test_readme_steps_work_through_a_transaction_pooler(pooled_database, tmp_path, monkeypatch) -> None:
    pooler, database = pooled_database
    url = pooler.url(database)
    # The URL `dagster-env` printed before: PgBouncer refuses it at connect, so this test catches it.
    old = with_driver(url, "psycopg2").update_query_dict({"options": "-csearch_path=dagster"})
    with pytest.raises(OperationalError, match="unsupported startup parameter: options"):
        create_engine(old, poolclass=NullPool).connect()

    engine = create_warehouse_engine(url, pool_size=1)
    sandbox = start_sandbox(
        SandboxConfig(shops=1, seed=3, orders_per_shop_per_day=30, history_days=2, start_time=SANDBOX_START)
    )
    try:
        env = {
            **_dagster_env(url, tmp_path, engine),
            "DATABASE_URL": url,
            "SHOPEE_DB_SCHEMA": "shopee",
            "SHOPEE_TIMEZONE": "Asia/Jakarta",
            "SHOPEE_PARTNER_ID": str(sandbox.partner_id),
            "SHOPEE_PARTNER_KEY": sandbox.partner_key,
            "SHOPEE_API_BASE_URL": sandbox.url,
        }
        _run([CLI, "db", "upgrade"], env)
        printed = _run([CLI, "dagster-env"], env).stdout
        dagster_url = re.fullmatch(r"export DAGSTER_POSTGRES_URL='(.+)'\n", printed).group(1)
        assert dagster_url == env["DAGSTER_POSTGRES_URL"] and "options" not in dagster_url
        assert f"127.0.0.1:{pooler.port}/{database}" in dagster_url

        shop = sandbox.shop_ids[0]
        _run([CLI, "shops", "connect", "--shop-id", str(shop), "--code", sandbox.authorize(shop)], env)
        partition = f"{sandbox_day(sandbox, ZoneInfo('Asia/Jakarta'))}|{shop}"
        _run(
            [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "shopee_pipeline.definitions",
             "--select", ASSETS, "--partition", partition],
            env,
        )  # fmt: skip
    finally:
        sandbox.stop()

    try:
        with Warehouse(engine, "shopee").connect() as conn:
            for table in (
                tables.orders,
                tables.order_items,
                tables.logistics,
                tables.escrow,
                tables.bookings,
            ):
                assert conn.execute(select(func.count()).select_from(table)).scalar_one() > 0, table.name
            # Dagster's tables went to the role's default schema: the pooler refused the one we asked for.
            dagster_schema = conn.execute(
                text("SELECT table_schema FROM information_schema.tables WHERE table_name = 'runs'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert dagster_schema == "public"

    monkeypatch.setenv("DAGSTER_POSTGRES_URL", dagster_url)
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS and run.tags["dagster/partition"] == partition
        materialized = instance.get_latest_materialization_event(dg.AssetKey("orders"))
        assert materialized is not None and materialized.run_id == run.run_id
        assert instance.get_dynamic_partitions("shops") == [str(shop)]  # added by `shops connect`
