"""Learned Shopee rate limits per scope (partner, shop), shared by every process and every run.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column(
            "scope",
            sa.Text(),
            nullable=False,
            comment="The limiter scope: partner:<partner_id>, its :public calls, or shop:<shop_id>",
        ),
        sa.Column(
            "rate", sa.Float(), nullable=False, comment="Learned Shopee requests per second to send at"
        ),
        sa.Column(
            "ceiling", sa.Float(), comment="Rate at which error_rate_limit last began (NULL until the first)"
        ),
        sa.Column(
            "cuts",
            sa.BigInteger(),
            nullable=False,
            comment="How many error_rate_limit answers cut the rate so far",
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Last write of this row",
        ),
        sa.PrimaryKeyConstraint("scope"),
        comment="What the adaptive rate learned of Shopee's unpublished limits, shared by every process",
    )


def downgrade() -> None:
    op.drop_table("rate_limits")
