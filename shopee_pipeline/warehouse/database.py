"""Turning settings into a SQLAlchemy engine that works on the embedded server, Postgres and Supabase."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from shopee_pipeline.settings import Settings, SettingsError
from shopee_pipeline.warehouse.embedded import embedded_database_url

DAGSTER_SCHEMA = "dagster"


def resolve_database_url(settings: Settings) -> str:
    """`DATABASE_URL` when set, else the URL of the embedded server (started on demand)."""
    return settings.database_url or embedded_database_url(settings.data_dir)


def with_driver(url: str, driver: str) -> URL:
    """`url` as a SQLAlchemy URL using `driver` (`psycopg` for us, `psycopg2` for Dagster's storage)."""
    try:
        parsed = make_url(url)
    except Exception:
        raise SettingsError("DATABASE_URL could not be parsed as a database URL") from None
    return parsed.set(drivername=f"postgresql+{driver}")


def create_warehouse_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine on psycopg 3 that never uses server-side prepared statements.

    `prepare_threshold=None` is what Supabase's transaction pooler (port 6543) requires and costs nothing
    measurable elsewhere; `sslmode=require` and other libpq options pass through the URL's query.
    """
    return create_engine(
        with_driver(url, "psycopg"),
        connect_args={"prepare_threshold": None},
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
    )


def dagster_storage_url(url: str) -> str:
    """The URL for dagster-postgres: psycopg2 driver, Dagster's tables in their own `dagster` schema."""
    parsed = with_driver(url, "psycopg2")
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={DAGSTER_SCHEMA}"
    return parsed.set(query=query).render_as_string(hide_password=False)


def ensure_schema(engine: Engine, schema: str) -> None:
    """Create `schema` if it does not exist (our tables' schema, or Dagster's)."""
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
