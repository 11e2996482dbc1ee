"""`shop_tokens` locked down: row level security on, no grants to PUBLIC or Supabase's `anon` and
`authenticated`, so an exposed PostgREST API never serves a token.

Row level security is enabled but not forced and no policy is created: the owner (the pipeline, which
runs the migrations) keeps reading and writing every row, every other role sees no row even if a grant
is later added by mistake. Supabase's default privileges (`ALTER DEFAULT PRIVILEGES ... TO anon,
authenticated` on `public`) act only when a table is created, so they granted `shop_tokens` when 0001
created it and the revokes here take those grants back; nothing more is needed at migration time, and
they do not re-grant an existing table. A future migration that recreates `shop_tokens` must lock it
down again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SUPABASE_ROLES = ("anon", "authenticated")


def _quote(name: str) -> str:
    """`name` quoted as an identifier wherever Postgres needs it."""
    return op.get_bind().dialect.identifier_preparer.quote(name)


def _shop_tokens() -> str:
    """`shop_tokens` qualified by the warehouse schema (ALTER TABLE and REVOKE do not go through the
    schema translate map)."""
    schema = op.get_context().version_table_schema
    if schema is None:  # migrations/env.py always sets it
        raise RuntimeError("the migrations run with version_table_schema set to the warehouse schema")
    return f"{_quote(schema)}.{_quote('shop_tokens')}"


def upgrade() -> None:
    table = _shop_tokens()
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON {table} FROM PUBLIC")
    present = op.get_bind().execute(
        sa.text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:roles) ORDER BY rolname"),
        {"roles": list(SUPABASE_ROLES)},
    )
    roles: list[str] = list(present.scalars())
    for role in roles:
        op.execute(f"REVOKE ALL ON {table} FROM {_quote(role)}")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {_shop_tokens()} DISABLE ROW LEVEL SECURITY")  # grants are not restored
