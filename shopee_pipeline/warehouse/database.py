"""Turning settings into a SQLAlchemy engine that works on the embedded server, Postgres and Supabase."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

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
    """The URL for dagster-postgres (psycopg2 driver), Dagster's tables in their own `dagster` schema if
    the server lets the URL choose it.

    dagster-postgres has no schema setting: its tables go wherever the connection's search_path points,
    and only the startup parameter `options=-c search_path=dagster` sets that from a URL. Transaction
    poolers refuse it (PgBouncer: `unsupported startup parameter: options`) or drop it silently, so one
    connection is made with it first: the URL keeps it only if that connection's search_path is
    `dagster`. Otherwise the URL carries no `options` at all and Dagster's tables go to the connecting
    role's default schema (its role-level search_path, else `public`). Postgres, the embedded server
    and Supabase's Supavisor all read this spelling of the option.
    """
    parsed = with_driver(url, "psycopg2")
    plain = parsed.set(query={key: value for key, value in parsed.query.items() if key != "options"})
    scoped = plain.update_query_dict({"options": f"-c search_path={DAGSTER_SCHEMA}"})
    chosen = scoped if _search_path_applies(scoped) else plain
    return chosen.render_as_string(hide_password=False)


def _search_path_applies(url: URL) -> bool:
    """Whether a connection on `url` starts with search_path `dagster` (a pooler refusing the option: no)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT current_setting('search_path')")).scalar_one() == DAGSTER_SCHEMA
    except OperationalError as error:
        if "unsupported startup parameter" in str(error.orig):
            return False
        raise
    finally:
        engine.dispose()


def ensure_schema(engine: Engine, schema: str) -> None:
    """Create `schema` if it does not exist (our tables' schema, or Dagster's)."""
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
