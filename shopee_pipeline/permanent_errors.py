"""Errors no retry can heal, told apart from transient ones (a dropped connection, a Shopee outage).

A missing or invalid setting, a database without our schema or tables, a shop that is not connected:
each needs a person to act, so a run should fail at once with one line saying what to do instead of
retrying for minutes.
"""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import errors as pg_errors
from sqlalchemy.exc import DBAPIError

from shopee_pipeline.settings import SettingsError
from shopee_pipeline.warehouse.readiness import UnsyncableShopsError

UPGRADE_HINT = (
    "run `shopee-pipeline db upgrade` with this process's DATABASE_URL and SHOPEE_DB_SCHEMA "
    "(or point them at the database that holds the tables)"
)
_MISSING_OBJECT = (pg_errors.UndefinedTable, pg_errors.InvalidSchemaName)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then what it was raised from or during, each once."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _missing_table(exc: BaseException) -> str | None:
    """Postgres's own words ('relation "shopee.sync_state" does not exist') when `exc` comes from a
    missing schema or table, else None. Never the statement or its parameters."""
    for error in _chain(exc):
        original = error.orig if isinstance(error, DBAPIError) else error
        if isinstance(original, _MISSING_OBJECT):
            return original.diag.message_primary or type(original).__name__
    return None


def permanent_error(exc: BaseException) -> str | None:
    """The one line to show a user when `exc` cannot heal by retrying; None for any other error."""
    if isinstance(exc, SettingsError | UnsyncableShopsError):
        return str(exc)
    if (missing := _missing_table(exc)) is not None:
        return f"the database lacks the pipeline's tables ({missing}): {UPGRADE_HINT}"
    return None
