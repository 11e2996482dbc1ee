"""Shared fixtures: one real embedded PostgreSQL for the session, one fresh schema per test."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline.warehouse.embedded import embedded_database_url, release_embedded_server
from shopee_pipeline.warehouse.migrate import upgrade
from shopee_pipeline.warehouse.store import Warehouse


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
