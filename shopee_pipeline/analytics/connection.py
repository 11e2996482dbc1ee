"""The database connection for dbt, as the environment variables `dbt_project/profiles.yml` reads.

dbt-postgres takes a host, port, user, password and database rather than a URL, so `DATABASE_URL` (or the
embedded server's URL, whose host is a Unix socket directory in its query) is split here and handed to
dbt through the environment of the process that starts it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy.engine import make_url

from shopee_pipeline.settings import Settings, SettingsError, get_settings
from shopee_pipeline.warehouse.database import resolve_database_url

PASSWORD_VARIABLE = "DBT_ENV_SECRET_SHOPEE_DBT_PASSWORD"
"""dbt scrubs the value of every `DBT_ENV_SECRET_` variable from its logs."""
INDIRECT_SELECTION_VARIABLE = "DBT_INDIRECT_SELECTION"
"""Which tests a `dbt build --select ...` runs. `buildable` (unless set otherwise): a test only when every
model it reads is selected or upstream of a selected one, so a build of some models never runs a test
reading a model it did not build and that may not exist yet (dbt's default, `eager`, runs e.g. the
relationships test of `order_economics` in a build of `stg_orders` alone)."""


def dbt_connection_env(url: str) -> dict[str, str]:
    """The profile's variables for a `postgresql://` URL: host (or socket directory), port, user,
    password, database and sslmode (libpq's default `prefer` when the URL has none)."""
    try:
        parsed = make_url(url)
    except Exception:
        raise SettingsError("DATABASE_URL could not be parsed as a database URL") from None
    query = {key: value if isinstance(value, str) else value[-1] for key, value in parsed.query.items()}
    host = parsed.host or query.get("host")
    if not host:
        raise SettingsError("DATABASE_URL has no host")
    return {
        "SHOPEE_DBT_HOST": host,
        "SHOPEE_DBT_PORT": str(parsed.port or query.get("port") or 5432),
        "SHOPEE_DBT_USER": parsed.username or query.get("user") or "postgres",
        PASSWORD_VARIABLE: parsed.password or query.get("password") or "",
        "SHOPEE_DBT_DBNAME": parsed.database or query.get("dbname") or "postgres",
        "SHOPEE_DBT_SSLMODE": query.get("sslmode", "prefer"),
    }


def dbt_environment_for(settings: Settings) -> dict[str, str]:
    """Every variable dbt needs for `settings`: the connection (the embedded server started on demand),
    the synced tables' schema and the tests a partial build runs (`INDIRECT_SELECTION_VARIABLE`)."""
    return {
        **dbt_connection_env(resolve_database_url(settings)),
        "SHOPEE_DB_SCHEMA": settings.db_schema,
        "SHOPEE_TIMEZONE": settings.timezone.key,
        INDIRECT_SELECTION_VARIABLE: os.environ.get(INDIRECT_SELECTION_VARIABLE) or "buildable",
    }


@contextmanager
def dbt_environment(settings: Settings | None = None) -> Iterator[Mapping[str, str]]:
    """Set dbt's variables in `os.environ` (dagster-dbt starts dbt with this process's environment) for
    the duration of the block, then restore what was there."""
    values = dbt_environment_for(settings or get_settings())
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield values
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
