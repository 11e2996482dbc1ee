"""The run a push was assigned to (`webhook_events.run_key`), so no push is marked processed before its
run exists.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _schema() -> str:
    """The warehouse schema being migrated (ALTER TABLE does not go through the schema translate map)."""
    schema = op.get_context().version_table_schema
    if schema is None:  # migrations/env.py always sets it
        raise RuntimeError("the migrations run with version_table_schema set to the warehouse schema")
    return schema


def upgrade() -> None:
    op.add_column("webhook_events", sa.Column("run_key", sa.Text(), nullable=True), schema=_schema())


def downgrade() -> None:
    op.drop_column("webhook_events", "run_key", schema=_schema())
