"""Running the Alembic migrations programmatically, inside `SHOPEE_DB_SCHEMA`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from shopee_pipeline.warehouse.database import ensure_schema

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, schema: str) -> None:
    """Create or migrate every table in `schema` to the newest revision; safe to run again."""
    ensure_schema(engine, schema)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["schema"] = schema
        command.upgrade(config, "head")


def current_revision(engine: Engine, schema: str) -> str | None:
    """The revision `schema` is at, or None before the first upgrade."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table_schema": schema})
        return context.get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version of the code."""
    return ScriptDirectory.from_config(_config()).get_current_head()
