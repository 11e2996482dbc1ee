"""Shared fixtures: one real embedded PostgreSQL for the session, one fresh schema per test."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import dagster as dg
import pytest
from sqlalchemy import text

from shopee_pipeline import clock
from shopee_pipeline.analytics.project import prepared_project
from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline.warehouse.embedded import embedded_database_url, release_embedded_server
from shopee_pipeline.warehouse.migrate import upgrade
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline_tests.pinned_clock import SANDBOX_START, SHIFTED_HOURS, nearest_wib_offset


def pytest_sessionstart(session: pytest.Session) -> None:
    """The dbt manifest made ready once, in the controlling process, before any worker starts: the tests
    that load the analytics location at the same moment (the live stacks start first) then all find it
    fresh, instead of each running its own `dbt parse` on a fresh clone."""
    if not hasattr(session.config, "workerinput"):
        prepared_project()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The `slow` tests first, each followed by a quick one: `make test` hands pytest-xdist's workers two
    tests each to start with, then one at a time (`--maxschedchunk 1`), so every worker begins with one
    long test and the long ones overlap each other and the rest, instead of queueing on one worker."""
    slow = [item for item in items if item.get_closest_marker("slow")]
    quick = [item for item in items if not item.get_closest_marker("slow")]
    paired = [test for pair in zip(slow, quick, strict=False) for test in pair]
    items[:] = paired + slow[len(paired) // 2 :] + quick[len(paired) // 2 :]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test marked `clock` runs at each of `SHIFTED_HOURS` in Jakarta (the instants either side
    of midnight), in the same session, on whichever worker is free; not at the real hour, which chooses
    nothing and would only repeat one of them. Under `make test-at`, which shifts the whole session, it
    runs once, at that hour."""
    if metafunc.definition.get_closest_marker("clock") and not clock.offset_seconds():
        ids = [f"wib{hour.replace(':', '')}" for hour in SHIFTED_HOURS]
        metafunc.parametrize("wib_hour", list(SHIFTED_HOURS), ids=ids, indirect=True)


@contextmanager
def _dagster_follows_the_pipeline_clock() -> Iterator[None]:
    """Dagster's clock in this process reads the pipeline's (`shopee_pipeline.clock`), so that the
    partitions Dagster offers and the instant a schedule context defaults to agree with a shifted hour."""
    with (
        mock.patch("dagster._time._mockable_get_current_datetime", clock.now),
        mock.patch("dagster._time._mockable_get_current_timestamp", clock.timestamp),
    ):
        yield


@pytest.fixture(scope="session", autouse=True)
def _dagster_reads_the_shifted_clock() -> Iterator[None]:
    """Under `make test-at` (`SHOPEE_CLOCK_OFFSET_SECONDS` set for the session), Dagster's clock in this
    process follows the pipeline's. Without an offset, nothing is patched."""
    if not clock.offset_seconds():
        yield
        return
    with _dagster_follows_the_pipeline_clock():
        yield


@pytest.fixture(autouse=True)
def wib_hour(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """The Jakarta hour a `clock` test runs at (`pytest_generate_tests`): `SHOPEE_CLOCK_OFFSET_SECONDS`
    set for this test and every process it starts, and Dagster's clock in this process following it.
    None (a test not marked `clock`, or the session's hour under `make test-at`) changes nothing."""
    hour = getattr(request, "param", None)
    if hour is None:
        yield None
        return
    monkeypatch.setenv(clock.OFFSET_ENV, str(nearest_wib_offset(hour, time.time())))
    with _dagster_follows_the_pipeline_clock():
        yield hour


@pytest.fixture(autouse=True)
def _dagster_state_storage_of_this_test_only() -> Iterator[None]:
    """Dagster keeps the defs-state storage of the instance last entered in a context variable; a test
    whose instance lived on a database it has since stopped must not hand it to the next test's
    definitions loading."""
    from dagster._core.storage.defs_state.base import _current_storage

    before = _current_storage.get()
    yield
    _current_storage.set(before)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of the session's PostgreSQL: `TEST_DATABASE_URL` if set, else an embedded server.

    The embedded server's folder sits under /tmp because its Unix socket path must stay short; it is
    stopped and removed when the session ends, so no process is left behind.
    """
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
        return
    data_dir = Path(tempfile.mkdtemp(prefix="spt-", dir="/tmp"))
    try:
        yield embedded_database_url(data_dir)
    finally:
        release_embedded_server(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_engine(pg_url: str):
    """One pooled engine on the session database."""
    engine = create_warehouse_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_schema(pg_engine) -> Iterator[str]:
    """A new, empty schema name, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield schema
    with pg_engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture
def warehouse(pg_engine, fresh_schema: str) -> Warehouse:
    """A migrated warehouse in its own schema, isolated from every other test."""
    upgrade(pg_engine, fresh_schema)
    return Warehouse(pg_engine, fresh_schema)


@pytest.fixture
def sandbox():
    """A fresh sandbox Shopee (3 shops, 40 orders per shop per day) on a free loopback port, its clock
    frozen at `SANDBOX_START` (15:00 in Jakarta) whatever the hour of the run."""
    from shopee_pipeline.sandbox import SandboxConfig, start_sandbox

    config = SandboxConfig(
        shops=3, seed=11, orders_per_shop_per_day=40, history_days=3, start_time=SANDBOX_START
    )
    handle = start_sandbox(config)
    yield handle
    handle.stop()


_INSTANCE_TEMPLATES: dict[str, Path] = {}


@contextmanager
def dagster_test_instance(overrides: dict | None = None) -> Iterator[dg.DagsterInstance]:
    """`dg.instance_for_test(overrides)` in a folder of its own, copied from a template made once per
    process: creating an instance's storage costs about 0.7 s of CPU, copying it about 0.1 s, and the
    suite creates hundreds."""
    key = json.dumps(overrides or {}, sort_keys=True)
    if key not in _INSTANCE_TEMPLATES:
        template = Path(tempfile.mkdtemp(prefix="dagster-template-"))
        with dg.instance_for_test(overrides=overrides, temp_dir=str(template)):
            pass
        _INSTANCE_TEMPLATES[key] = template
    folder = Path(tempfile.mkdtemp(prefix="dagster-test-"))
    try:
        shutil.copytree(_INSTANCE_TEMPLATES[key], folder, dirs_exist_ok=True)
        with dg.instance_for_test(overrides=overrides, temp_dir=str(folder)) as instance:
            yield instance
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def connected_pipeline(monkeypatch, pg_url: str, warehouse: Warehouse, sandbox) -> Iterator[Pipeline]:
    """The environment of docs/CONTRACT.md pointing at `pg_url` (schema of `warehouse`) and `sandbox`, every
    sandbox shop connected, and a test Dagster instance holding their partitions."""
    from shopee_pipeline.onboarding import connect_shop
    from shopee_pipeline.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("SHOPEE_DB_SCHEMA", warehouse.schema)
    monkeypatch.setenv("SHOPEE_PARTNER_ID", str(sandbox.partner_id))
    monkeypatch.setenv("SHOPEE_PARTNER_KEY", sandbox.partner_key)
    monkeypatch.setenv("SHOPEE_API_BASE_URL", sandbox.url)
    get_settings.cache_clear()
    try:
        settings = get_settings()
        for shop_id in sandbox.shop_ids:
            connect_shop(settings, warehouse, shop_id, sandbox.authorize(shop_id))
        with dagster_test_instance() as instance:
            instance.add_dynamic_partitions("shops", [str(s) for s in sorted(sandbox.shop_ids)])
            yield Pipeline(warehouse=warehouse, sandbox=sandbox, instance=instance, settings=settings)
    finally:
        get_settings.cache_clear()


@pytest.fixture
def pipeline(monkeypatch, pg_url: str, warehouse: Warehouse, sandbox) -> Iterator[Pipeline]:
    """`connected_pipeline` over the session database and the default sandbox."""
    with connected_pipeline(monkeypatch, pg_url, warehouse, sandbox) as connected:
        yield connected


class Pipeline:
    """What the `pipeline` fixture hands a test."""

    def __init__(self, warehouse: Warehouse, sandbox, instance, settings) -> None:
        self.warehouse, self.sandbox, self.instance, self.settings = warehouse, sandbox, instance, settings
