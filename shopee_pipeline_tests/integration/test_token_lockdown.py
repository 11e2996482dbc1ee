"""Migration 0005 locks `shop_tokens` down: Supabase's `anon` and `authenticated` are refused, a role
granted SELECT by mistake reads no row (row level security, no policy), the owner keeps every row."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from shopee_pipeline.cli import main
from shopee_pipeline.settings import get_settings
from shopee_pipeline.shopee import ShopTokens
from shopee_pipeline.warehouse.migrate import head_revision
from shopee_pipeline.warehouse.token_store import PostgresTokenStore

SUPABASE_ROLES = ("anon", "authenticated")
SHOP_ID = 7001
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
INSUFFICIENT_PRIVILEGE = "42501"


@dataclass(frozen=True)
class Roles:
    """The roles a test reads `shop_tokens` as: a plain one (granted SELECT by hand) and a non-superuser
    one the table is handed to, next to Supabase's `anon` and `authenticated`."""

    plain: str
    owner: str


def _role_exists(engine: Engine, role: str) -> bool:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    return found is not None


@pytest.fixture
def roles(pg_engine: Engine, fresh_schema: str) -> Iterator[Roles]:
    """`anon` and `authenticated` (created if absent) and two unique roles, all with USAGE on the test's
    schema. Roles are cluster-wide: afterwards the schema (and with it every grant on it) is dropped, then
    only the roles created here are."""
    suffix = uuid.uuid4().hex[:10]
    made = Roles(plain=f"tok_reader_{suffix}", owner=f"tok_owner_{suffix}")
    created = [r for r in SUPABASE_ROLES if not _role_exists(pg_engine, r)] + [made.plain, made.owner]
    with pg_engine.begin() as conn:
        for role in created:
            conn.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{fresh_schema}"'))
        grantees = ", ".join(f'"{r}"' for r in (*SUPABASE_ROLES, made.plain, made.owner))
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{fresh_schema}" TO {grantees}'))
    try:
        yield made
    finally:
        with pg_engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{fresh_schema}" CASCADE'))
            for role in created:
                conn.execute(text(f'DROP ROLE "{role}"'))


def _save_token(engine: Engine, schema: str) -> None:
    """One token pair written by the pipeline's own store, as the owner."""
    expiries = NOW + timedelta(hours=4), NOW + timedelta(days=30)
    pair = ShopTokens("access-lockdown", "refresh-lockdown", *expiries)
    PostgresTokenStore(engine, schema).save(SHOP_ID, pair)


def _shop_ids_read_as(engine: Engine, schema: str, role: str | None) -> list[int]:
    """The shop_ids `role` (the connecting superuser when None) reads from `shop_tokens`."""
    with engine.connect() as conn, conn.begin():
        if role is not None:
            conn.execute(text(f'SET LOCAL ROLE "{role}"'))
        return list(conn.execute(text(f'SELECT shop_id FROM "{schema}".shop_tokens')).scalars())


def _assert_refused(engine: Engine, schema: str, role: str) -> None:
    with pytest.raises(ProgrammingError) as refused:
        _shop_ids_read_as(engine, schema, role)
    assert refused.value.orig.sqlstate == INSUFFICIENT_PRIVILEGE, f"{role} was not refused"


def test_only_the_owner_reads_tokens(roles: Roles, warehouse) -> None:
    engine, schema = warehouse.engine, warehouse.schema
    _save_token(engine, schema)
    with engine.begin() as conn:  # the operator's mistake, after the migration
        conn.execute(text(f'GRANT SELECT ON "{schema}".shop_tokens TO "{roles.plain}"'))

    for role in SUPABASE_ROLES:
        _assert_refused(engine, schema, role)
    assert _shop_ids_read_as(engine, schema, roles.plain) == []  # granted, but no policy lets a row through
    assert _shop_ids_read_as(engine, schema, None) == [SHOP_ID]

    with engine.begin() as conn:  # a non-superuser owner, as on Supabase: RLS is not forced on it
        conn.execute(text(f'ALTER TABLE "{schema}".shop_tokens OWNER TO "{roles.owner}"'))
    assert _shop_ids_read_as(engine, schema, roles.owner) == [SHOP_ID]


@pytest.fixture
def cli_database(monkeypatch, pg_url: str, fresh_schema: str) -> Iterator[None]:
    """The CLI's settings pointed at the session database and the test's schema."""
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("SHOPEE_DB_SCHEMA", fresh_schema)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_supabase_default_privileges_do_not_reach_tokens(
    roles: Roles, cli_database, pg_engine: Engine, fresh_schema: str, capsys
) -> None:
    grantees = ", ".join([*(f'"{r}"' for r in SUPABASE_ROLES), "PUBLIC"])
    with pg_engine.begin() as conn:  # what Supabase sets on its exposed schemas (and PUBLIC, by mistake)
        conn.execute(
            text(f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{fresh_schema}" GRANT ALL ON TABLES TO {grantees}')
        )

    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0  # again: nothing to do, nothing fails
    last_line = capsys.readouterr().out.splitlines()[-1]
    assert last_line == f"schema {fresh_schema} is at revision {head_revision()}"
    _save_token(pg_engine, fresh_schema)

    with pg_engine.connect() as conn, conn.begin():  # the default privileges did reach the other tables
        conn.execute(text('SET LOCAL ROLE "anon"'))
        assert conn.execute(text(f'SELECT count(*) FROM "{fresh_schema}".orders')).scalar_one() == 0
    for role in (*SUPABASE_ROLES, roles.plain):  # the plain role had only what PUBLIC had
        _assert_refused(pg_engine, fresh_schema, role)
    assert _shop_ids_read_as(pg_engine, fresh_schema, None) == [SHOP_ID]
