"""Errors that cannot heal fail at once: a missing setting, a database without our tables and a shop that
is not connected each end the step with one line saying what to do, and the step is never retried
(the retry policy waits 30 s, then 60 s and 120 s, which the real `dagster asset materialize` below
would show as STEP_UP_FOR_RETRY events). A transient error keeps the policy: `test_reliability_outage.py`
stops Postgres during a run and asserts the step is retried."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from shopee_pipeline.lib.sync_runs import fail_at_once_on_permanent_errors
from shopee_pipeline.permanent_errors import UPGRADE_HINT, permanent_error
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline.warehouse.readiness import unsyncable_shops
from shopee_pipeline_tests.integration.test_dagster_project import REPO, _dagster_env
from shopee_pipeline_tests.pinned_clock import sandbox_day

UNKNOWN_SHOP = 999_000_111


@dataclass(frozen=True)
class Outcome:
    """What a user sees of one `dagster asset materialize`, and what the Dagster instance recorded."""

    returncode: int
    seconds: float
    failure_lines: list[str]
    retries: int
    output: str


def _materialize(env: dict[str, str], home: Path, partition: str) -> Outcome:
    command = [
        sys.executable, "-m", "dagster", "asset", "materialize", "-m", "shopee_pipeline.definitions",
        "--select", "orders,order_items,logistics", "--partition", partition,
    ]  # fmt: skip
    with dg.DagsterInstance.from_config(str(home)) as instance:
        earlier = {run.run_id for run in instance.get_runs()}  # the session's storage holds other tests'
    started = time.monotonic()
    completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    seconds = time.monotonic() - started
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (run,) = [run for run in instance.get_runs() if run.run_id not in earlier]
        events = [record.dagster_event for record in instance.all_logs(run.run_id) if record.dagster_event]
    failures = [e.step_failure_data for e in events if e.is_step_failure]
    return Outcome(
        returncode=completed.returncode,
        seconds=seconds,
        failure_lines=[f.user_failure_data.description for f in failures if f.user_failure_data],
        retries=sum(e.event_type_value == "STEP_UP_FOR_RETRY" for e in events),
        output=completed.stdout + completed.stderr,
    )


@pytest.fixture
def dagster_home(pipeline, pg_url, pg_engine, tmp_path, monkeypatch) -> tuple[dict[str, str], Path]:
    """The environment of a second shell (the pipeline's variables, a fresh DAGSTER_HOME holding the
    sandbox shops' partitions and an unknown shop's)."""
    env = _dagster_env(pg_url, tmp_path, pg_engine)
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", env["DAGSTER_POSTGRES_URL"])
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        instance.add_dynamic_partitions("shops", [*map(str, pipeline.sandbox.shop_ids), str(UNKNOWN_SHOP)])
    return env, tmp_path


def _assert_fails_at_once(outcome: Outcome, line: str) -> None:
    shown = [text for text in outcome.output.splitlines() if line in text]
    print(f"\nfailed after {outcome.seconds:.1f} s; the console shows: {shown}")
    assert outcome.returncode != 0
    assert outcome.failure_lines == [line]
    assert line in outcome.output
    assert "\n" not in line
    assert outcome.retries == 0


def test_missing_partner_id_fails_at_once(pipeline, dagster_home) -> None:
    env, home = dagster_home
    del env["SHOPEE_PARTNER_ID"]
    day = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    outcome = _materialize(env, home, f"{day}|{pipeline.sandbox.shop_ids[0]}")
    _assert_fails_at_once(outcome, "SHOPEE_PARTNER_ID is not set: it is the Shopee app's partner id")
    assert pipeline.sandbox.partner_key not in " ".join(outcome.failure_lines)


@pytest.mark.parametrize("schema_exists", [True, False], ids=["empty-schema", "no-schema"])
def test_database_without_tables_fails_at_once(pipeline, pg_engine, dagster_home, schema_exists) -> None:
    env, home = dagster_home
    schema = f"{pipeline.warehouse.schema}_bare"
    env["SHOPEE_DB_SCHEMA"] = schema
    try:
        if schema_exists:
            with pg_engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        day = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
        outcome = _materialize(env, home, f"{day}|{pipeline.sandbox.shop_ids[0]}")
    finally:
        with pg_engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    _assert_fails_at_once(
        outcome,
        f'the database lacks the pipeline\'s tables (relation "{schema}.shops" does not exist): '
        f"{UPGRADE_HINT}",
    )


def test_unknown_shop_fails_at_once_before_any_call(pipeline, dagster_home) -> None:
    env, home = dagster_home
    pipeline.sandbox.reset_call_counts()
    day = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    outcome = _materialize(env, home, f"{day}|{UNKNOWN_SHOP}")
    _assert_fails_at_once(
        outcome,
        f"shop {UNKNOWN_SHOP} (not connected) cannot be synced: connect it with "
        "`shopee-pipeline shops connect --shop-id <id> --code <code>` (the seller authorizes the app "
        "through `shopee-pipeline auth-url`)",
    )
    assert pipeline.sandbox.call_counts()["total"] == 0


def test_a_shop_is_syncable_only_connected_active_and_with_tokens(pipeline) -> None:
    connected, deactivated, tokenless = pipeline.sandbox.shop_ids
    with pipeline.warehouse.begin() as conn:
        conn.execute(update(tables.shops).where(tables.shops.c.shop_id == deactivated).values(active=False))
        conn.execute(tables.shop_tokens.delete().where(tables.shop_tokens.c.shop_id == tokenless))
        reasons = unsyncable_shops(conn, [connected, deactivated, tokenless, UNKNOWN_SHOP])
    assert reasons == {deactivated: "deactivated", tokenless: "has no tokens", UNKNOWN_SHOP: "not connected"}


def test_only_errors_that_cannot_heal_are_permanent(pg_engine, tmp_path) -> None:
    with pytest.raises(DBAPIError) as missing, pg_engine.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_schema.sync_state"))
    assert permanent_error(missing.value) == (
        f'the database lacks the pipeline\'s tables (relation "no_such_schema.sync_state" does not exist): '
        f"{UPGRADE_HINT}"
    )
    unreachable = create_warehouse_engine(f"postgresql://postgres:@/postgres?host={tmp_path}")
    with pytest.raises(DBAPIError) as dropped, unreachable.connect():
        pass
    assert permanent_error(dropped.value) is None  # a database that is down may come back: retried
    with pytest.raises(dg.Failure) as failure, fail_at_once_on_permanent_errors():
        raise missing.value
    assert not failure.value.allow_retries and failure.value.__cause__ is None
    with pytest.raises(DBAPIError), fail_at_once_on_permanent_errors():
        raise dropped.value
