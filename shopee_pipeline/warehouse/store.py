"""`Warehouse`: one engine plus the schema our tables live in; every warehouse query goes through it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from shopee_pipeline.settings import Settings
from shopee_pipeline.warehouse.database import create_warehouse_engine, resolve_database_url


@dataclass(frozen=True)
class Warehouse:
    """The Postgres that receives the synced data, with our tables in `schema`."""

    engine: Engine
    schema: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Warehouse:
        """Connect to `DATABASE_URL` (or the embedded server) with the schema of `SHOPEE_DB_SCHEMA`."""
        return cls(create_warehouse_engine(resolve_database_url(settings)), settings.db_schema)

    def _mapped(self, conn: Connection) -> Connection:
        return conn.execution_options(schema_translate_map={None: self.schema})

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction that commits on success, with our tables mapped to `schema`."""
        with self.engine.begin() as conn:
            yield self._mapped(conn)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A plain connection (no transaction opened for you), tables mapped to `schema`."""
        with self.engine.connect() as conn:
            yield self._mapped(conn)
