"""The migrations build exactly the tables of `warehouse/tables.py`, and `db revision` writes the migration
that closes any gap between them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, Column, Index, MetaData, Text, inspect

from shopee_pipeline.cli import main
from shopee_pipeline.settings import get_settings
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.migrate import head_revision, schema_differences, upgrade


def _copy_of_tables() -> MetaData:
    """`tables.metadata` copied, so a test can change it without touching the real one."""
    copy = MetaData()
    for table in tables.metadata.tables.values():
        table.to_metadata(copy)
    return copy


def _upgrade_body(path: Path) -> list[ast.stmt]:
    module = ast.parse(path.read_text())
    return next(n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade").body


def test_migrations_at_head_match_tables_py(warehouse) -> None:
    differences = schema_differences(warehouse.engine, warehouse.schema)
    assert differences == [], (
        "the migrations and warehouse/tables.py disagree; write the missing migration with "
        f'`make migration M="..."` and review it: {differences}'
    )


def test_the_comparison_reports_each_kind_of_drift(warehouse) -> None:
    drifted = _copy_of_tables()
    orders = drifted.tables["orders"]
    orders.append_column(Column("throwaway", Text))
    orders.c.note.type = BigInteger()
    orders.c.region.nullable = False
    Index("ix_orders_throwaway", orders.c.throwaway)
    drifted.tables["shops"].c.active.server_default = None

    kinds = {
        (change[0][0], change[0][3]) if isinstance(change, list) else (change[0], None)
        for change in schema_differences(warehouse.engine, warehouse.schema, drifted)
    }
    assert kinds == {
        ("add_column", None),
        ("add_index", None),
        ("modify_type", "note"),
        ("modify_nullable", "region"),
        ("modify_default", "active"),
    }


@pytest.fixture
def cli_database(monkeypatch, pg_url: str) -> None:
    """The CLI's settings pointed at the session database."""
    monkeypatch.setenv("DATABASE_URL", pg_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_db_revision_on_unchanged_tables_writes_an_empty_migration(
    cli_database, pg_engine, tmp_path: Path, capsys
) -> None:
    assert main(["db", "revision", "-m", "nothing to do", "--versions-dir", str(tmp_path)]) == 0
    (written,) = tmp_path.glob("*.py")
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"wrote {written}:")
    assert written.name == f"{int(head_revision()) + 1:04d}_nothing_to_do.py"
    body = _upgrade_body(written)
    assert len(body) == 1 and isinstance(body[0], ast.Pass)
    assert f'down_revision = "{head_revision()}"' in written.read_text()
    with pg_engine.connect() as conn:  # its scratch schema is gone
        assert not [s for s in inspect(conn).get_schema_names() if s.startswith("revision_")]


def test_a_written_migration_applies_inside_the_schema(
    monkeypatch, pg_engine, fresh_schema: str, tmp_path: Path
) -> None:
    from shopee_pipeline.warehouse.migrate import write_revision

    changed = _copy_of_tables()
    changed.tables["orders"].append_column(Column("throwaway", Text))
    Index("ix_orders_throwaway", changed.tables["orders"].c.throwaway)
    monkeypatch.setattr(tables, "metadata", changed)  # what migrations/env.py compares against

    written = write_revision(pg_engine, "add throwaway", tmp_path)
    assert "op.add_column" in written.read_text() and "op.create_index" in written.read_text()

    upgrade(pg_engine, fresh_schema, tmp_path)
    assert "throwaway" in {c["name"] for c in inspect(pg_engine).get_columns("orders", fresh_schema)}
    assert schema_differences(pg_engine, fresh_schema, changed) == []
