"""Running the Alembic migrations programmatically, inside `SHOPEE_DB_SCHEMA`, and writing new ones."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, text

from shopee_pipeline.warehouse.database import ensure_schema
from shopee_pipeline.warehouse.tables import metadata as warehouse_metadata

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"


def _config(versions_dir: Path | None = None) -> Config:
    """Alembic's configuration; `versions_dir`, when given, is one more folder new revisions may go to."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if versions_dir is not None:
        config.set_main_option(
            "version_locations", os.pathsep.join([str(MIGRATIONS_DIR / "versions"), str(versions_dir)])
        )
    ruff = Path(sys.executable).parent / "ruff"
    if ruff.exists():  # a new revision is written already formatted (ruff comes with the dev extra)
        config.set_section_option("post_write_hooks", "hooks", "ruff")
        config.set_section_option("post_write_hooks", "ruff.type", "exec")
        config.set_section_option("post_write_hooks", "ruff.executable", str(ruff))
        config.set_section_option("post_write_hooks", "ruff.options", "format REVISION_SCRIPT_FILENAME")
    return config


def scope_to_schema(connection: Connection, schema: str) -> None:
    """Make `schema` the only schema unqualified names resolve to, until the transaction ends.

    Migrations write tables without a schema: `CREATE TABLE` goes through the schema translate map, but
    `ALTER TABLE` (Alembic's `add_column`, `alter_column`, ...) does not, and reflection for autogenerate
    reads schema-less tables from the search path. Both then agree on `schema`.
    """
    connection.execute(text("SELECT set_config('search_path', :path, true)"), {"path": f'"{schema}"'})


def _not_version_table(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Leave Alembic's own table out of the comparison (it is reflected in the unqualified schema)."""
    return not (type_ == "table" and name == VERSION_TABLE)


def comparison_options() -> dict[str, Any]:
    """How migrations and `tables.py` are compared, by autogenerate and by the drift test alike: column
    types and server defaults too, Alembic's version table left out."""
    return {"compare_type": True, "compare_server_default": True, "include_name": _not_version_table}


def upgrade(engine: Engine, schema: str, versions_dir: Path | None = None) -> None:
    """Create or migrate every table in `schema` to the newest revision (of `migrations/versions/` and
    `versions_dir`, when given); safe to run again."""
    ensure_schema(engine, schema)
    config = _config(versions_dir)
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


def schema_differences(engine: Engine, schema: str, target: MetaData = warehouse_metadata) -> list[Any]:
    """What autogenerate would write to bring `schema` to `target` (`tables.py` by default): [] when the
    migrations `schema` ran and the tables agree."""
    with engine.begin() as connection:
        scope_to_schema(connection, schema)
        opts = {"version_table_schema": schema, **comparison_options()}
        return compare_metadata(MigrationContext.configure(connection, opts=opts), target)


def _next_revision_id(config: Config) -> str:
    """One more than the highest numbered revision, in the `0004` style of the existing ones."""
    numbers = [int(script.revision) for script in ScriptDirectory.from_config(config).walk_revisions()]
    return f"{max(numbers, default=0) + 1:04d}"


def write_revision(engine: Engine, message: str, versions_dir: Path | None = None) -> Path:
    """Autogenerate the migration that brings the shipped migrations to `tables.py`; return its file.

    The comparison runs against a scratch schema upgraded to head and dropped afterwards, so the new
    revision depends only on the code, never on the state of a real warehouse. The file lands in
    `migrations/versions/` (or `versions_dir`) as `<next number>_<slug of message>.py`.
    """
    config = _config(versions_dir)
    scratch = f"revision_{uuid.uuid4().hex[:12]}"
    try:
        upgrade(engine, scratch, versions_dir)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            config.attributes["schema"] = scratch
            script = command.revision(
                config,
                message,
                autogenerate=True,
                rev_id=_next_revision_id(config),
                version_path=str(versions_dir) if versions_dir is not None else None,
            )
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{scratch}" CASCADE'))
    assert isinstance(script, Script)
    return Path(script.path)
