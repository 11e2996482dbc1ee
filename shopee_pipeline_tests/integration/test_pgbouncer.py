"""The README's steps with a transaction-pooler `DATABASE_URL`, against a real PgBouncer in transaction mode.

Supabase's transaction pooler (port 6543) hands a server connection to another client after every
transaction and refuses startup parameters it cannot pool. Every command here reaches Postgres only
through PgBouncer: migrations, onboarding, the sync (psycopg 3) and Dagster's own storage (psycopg2).

The CLI runs as `python -m shopee_pipeline.cli` from the repository, like `python -m dagster`: both then
import this tree's code. The `shopee-pipeline` script beside the interpreter imports whichever tree the
virtualenv was installed from, and a `db upgrade` of another tree's migrations leaves tables missing that
this tree's sync reads.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.database import (
    DAGSTER_SCHEMA,
    create_warehouse_engine,
    dagster_storage_url,
    with_driver,
)
from shopee_pipeline.warehouse.migrate import current_revision, head_revision
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline_tests.integration.pgbouncer_fixture import Pooler, running_pgbouncer
from shopee_pipeline_tests.integration.test_dagster_project import REPO, _dagster_env
from shopee_pipeline_tests.pinned_clock import SANDBOX_START, sandbox_day

pytestmark = pytest.mark.slow

ASSETS = "orders,order_items,logistics,escrow,bookings"
SYNCED = (tables.orders, tables.order_items, tables.logistics, tables.escrow, tables.bookings)
JAKARTA = ZoneInfo("Asia/Jakarta")
SCHEMA = "shopee"
CLI = [sys.executable, "-m", "shopee_pipeline.cli"]
POOLER_LOG_LINES = 80


@dataclass(frozen=True)
class PooledDatabase:
    """A fresh database behind PgBouncer, and a login role of its own for Dagster (`dagster_role`)."""

    pooler: Pooler
    name: str
    dagster_role: str
    dagster_password: str

    def url(self) -> str:
        """The owner's URL on the pooler, as a user would paste Supabase's transaction pooler string."""
        return self.pooler.url(self.name)

    def dagster_url(self) -> str:
        """The same database on the pooler, logged in as `dagster_role`."""
        url = make_url(self.url()).set(username=self.dagster_role, password=self.dagster_password)
        return url.render_as_string(hide_password=False)


@pytest.fixture
def pooled_database(pg_url: str, pg_engine) -> Iterator[PooledDatabase]:
    """A fresh database of the session's server and a PgBouncer in front of it; all gone afterwards."""
    suffix = uuid.uuid4().hex[:10]
    name, role, password = f"pgb_{suffix}", f"dagster_{suffix}", secrets.token_hex(12)
    with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))
        conn.execute(text(f'GRANT CREATE ON DATABASE "{name}" TO "{role}"'))
    try:
        with running_pgbouncer(pg_url, other_users={role: password}) as pooler:
            yield PooledDatabase(pooler, name, role, password)
    finally:
        with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


def _warehouse_state(engine: Engine) -> tuple[str | None, list[str]]:
    """The revision `SCHEMA` is at on `engine`'s database, and the tables of `tables.py` it lacks."""
    present = set(inspect(engine).get_table_names(schema=SCHEMA))
    return current_revision(engine, SCHEMA), sorted(set(tables.metadata.tables) - present)


@dataclass
class Steps:
    """The README's commands run one after another through the pooler, each one's output kept: a failing
    step reports every step so far, the pooler's log (which database each client and server connection
    used) and what the database itself holds, read on the server past the pooler."""

    pooled: PooledDatabase
    server_url: str
    env: dict[str, str]
    transcript: list[str] = field(default_factory=list)

    def run(self, name: str, command: list[str]) -> str:
        """Run `command` in the repository; its stdout, or an assertion error with the diagnosis."""
        completed = subprocess.run(
            command, cwd=REPO, env=self.env, capture_output=True, text=True, timeout=240
        )
        self.transcript.append(
            f"--- {name}: exit {completed.returncode}\n{completed.stdout[-2000:]}{completed.stderr[-3000:]}"
        )
        assert completed.returncode == 0, self.diagnosis()
        return completed.stdout

    def diagnosis(self) -> str:
        """Every step's output, the warehouse's revision and missing tables, the pooler's log tail."""
        direct = create_engine(
            with_driver(self.server_url, "psycopg").set(database=self.pooled.name), poolclass=NullPool
        )
        try:
            revision, missing = _warehouse_state(direct)
            state = (
                f"schema {SCHEMA} at revision {revision} (head {head_revision()}), missing tables {missing}"
            )
        except Exception as error:  # the diagnosis must not hide the failure it reports
            state = f"the database could not be read: {type(error).__name__}: {error}"
        finally:
            direct.dispose()
        log = self.pooled.pooler.log.read_text(errors="replace").splitlines()[-POOLER_LOG_LINES:]
        return "\n".join([*self.transcript, f"--- on the server: {state}", "--- pgbouncer log tail", *log])


def test_readme_steps_work_through_a_transaction_pooler(
    pooled_database, pg_url, tmp_path, monkeypatch
) -> None:
    pooler, database, url = pooled_database.pooler, pooled_database.name, pooled_database.url()
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
            "SHOPEE_DB_SCHEMA": SCHEMA,
            "SHOPEE_TIMEZONE": "Asia/Jakarta",
            "SHOPEE_PARTNER_ID": str(sandbox.partner_id),
            "SHOPEE_PARTNER_KEY": sandbox.partner_key,
            "SHOPEE_API_BASE_URL": sandbox.url,
        }
        steps = Steps(pooled_database, pg_url, env)
        upgraded = steps.run("db upgrade", [*CLI, "db", "upgrade"])
        # The whole upgrade went through the pooler to this database: it is at this code's head, whole.
        assert upgraded == f"schema {SCHEMA} is at revision {head_revision()}\n", steps.diagnosis()
        assert _warehouse_state(engine) == (head_revision(), []), steps.diagnosis()
        printed = steps.run("dagster-env", [*CLI, "dagster-env"])
        dagster_url = re.fullmatch(r"export DAGSTER_POSTGRES_URL='(.+)'\n", printed).group(1)
        assert dagster_url == env["DAGSTER_POSTGRES_URL"] and "options" not in dagster_url
        assert f"127.0.0.1:{pooler.port}/{database}" in dagster_url

        shop = sandbox.shop_ids[0]
        steps.run(
            "shops connect",
            [*CLI, "shops", "connect", "--shop-id", str(shop), "--code", sandbox.authorize(shop)],
        )
        partition = f"{sandbox_day(sandbox, ZoneInfo('Asia/Jakarta'))}|{shop}"
        steps.run(
            "dagster asset materialize",
            [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "shopee_pipeline.definitions",
             "--select", ASSETS, "--partition", partition],
        )  # fmt: skip
    finally:
        sandbox.stop()

    try:
        with Warehouse(engine, SCHEMA).connect() as conn:
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


def test_a_role_of_its_own_keeps_dagster_out_of_public(
    pooled_database, pg_engine, tmp_path, monkeypatch
) -> None:
    """Through a transaction pooler only a role-level search_path chooses Dagster's schema: PgBouncer
    opens each server connection for one role, and the role's settings apply when one is opened (so
    the role is set up before the pooler first logs in with it)."""
    role, url = pooled_database.dagster_role, pooled_database.dagster_url()
    with pg_engine.begin() as conn:
        conn.execute(text(f'ALTER ROLE "{role}" SET search_path = {DAGSTER_SCHEMA}'))
    engine = create_warehouse_engine(url, pool_size=1)
    try:
        env = _dagster_env(url, tmp_path, engine)  # creates schema `dagster`, owned by the role
        assert "options" not in env["DAGSTER_POSTGRES_URL"]
        monkeypatch.setenv("DAGSTER_POSTGRES_URL", env["DAGSTER_POSTGRES_URL"])
        with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
            instance.add_dynamic_partitions("shops", ["1"])
            assert instance.get_dynamic_partitions("shops") == ["1"]
        with engine.connect() as conn:
            schemas = conn.execute(
                text("SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name = 'runs'")
            ).scalars()
            assert list(schemas) == [DAGSTER_SCHEMA]
    finally:
        engine.dispose()


def test_a_pooler_that_drops_the_option_silently_gets_a_url_without_it(pg_url) -> None:
    """PgBouncer with `ignore_startup_parameters = options` (older Supavisor too) accepts the option and
    drops its search_path: the URL then says where Dagster's tables really go, the role's default."""
    with running_pgbouncer(pg_url, ignore_options=True) as pooler:
        url = pooler.url("postgres")
        assert "options" not in dagster_storage_url(url)
        assert "unsupported startup parameter" not in pooler.log.read_text()
