"""The returns stream: `returns` (one row per return_sn) and `return_items` (its lines).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "return_items",
        sa.Column("return_sn", sa.Text(), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=True),
        sa.Column("model_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("item_sku", sa.Text(), nullable=True),
        sa.Column("variation_sku", sa.Text(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("item_price", sa.Numeric(), nullable=True),
        sa.Column("is_add_on_deal", sa.Boolean(), nullable=True),
        sa.Column("is_main_item", sa.Boolean(), nullable=True),
        sa.Column("add_on_deal_id", sa.BigInteger(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("return_sn", "line_index"),
    )
    op.create_table(
        "returns",
        sa.Column("return_sn", sa.Text(), nullable=False),
        sa.Column("order_sn", sa.Text(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reassessed_request_reason", sa.Text(), nullable=True),
        sa.Column("text_reason", sa.Text(), nullable=True),
        sa.Column("refund_amount", sa.Numeric(), nullable=True),
        sa.Column("amount_before_discount", sa.Numeric(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_ship_due_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_seller_due_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tracking_number", sa.Text(), nullable=True),
        sa.Column("needs_logistics", sa.Boolean(), nullable=True),
        sa.Column("negotiation_status", sa.Text(), nullable=True),
        sa.Column("seller_proof_status", sa.Text(), nullable=True),
        sa.Column("seller_compensation_status", sa.Text(), nullable=True),
        sa.Column("return_refund_type", sa.Text(), nullable=True),
        sa.Column("return_solution", sa.Integer(), nullable=True),
        sa.Column("return_refund_request_type", sa.Integer(), nullable=True),
        sa.Column("validation_type", sa.Text(), nullable=True),
        sa.Column("is_arrived_at_warehouse", sa.Integer(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("return_sn"),
    )
    op.create_index("ix_returns_order_sn", "returns", ["order_sn"], unique=False)
    op.create_index("ix_returns_shop_update_time", "returns", ["shop_id", "update_time"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_returns_shop_update_time", table_name="returns")
    op.drop_index("ix_returns_order_sn", table_name="returns")
    op.drop_table("returns")
    op.drop_table("return_items")
