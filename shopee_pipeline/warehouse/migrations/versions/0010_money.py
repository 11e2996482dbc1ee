"""wallet_transactions and escrow_releases: the money after the order (issue 23).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:55:32.465321
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escrow_releases",
        sa.Column("order_sn", sa.Text(), nullable=False, comment="The order whose escrow was released"),
        sa.Column("shop_id", sa.BigInteger(), nullable=False, comment="The shop"),
        sa.Column(
            "payout_amount",
            sa.Numeric(),
            nullable=True,
            comment="What the release paid out for the order, in the shop's currency",
        ),
        sa.Column(
            "escrow_release_time",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the escrow was released; decides the partition day",
        ),
        sa.Column(
            "raw",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="The whole get_escrow_list entry as received",
        ),
        sa.Column(
            "synced_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When the pipeline last wrote this row",
        ),
        sa.PrimaryKeyConstraint("order_sn"),
        comment="One row per order whose escrow Shopee released, from get_escrow_list",
    )
    op.create_index(
        "ix_escrow_releases_shop_release_time",
        "escrow_releases",
        ["shop_id", "escrow_release_time"],
        unique=False,
    )
    op.create_table(
        "wallet_transactions",
        sa.Column(
            "transaction_id",
            sa.Text(),
            nullable=False,
            comment=(
                "Shopee's transaction_id as text; where the answer lacks it, a key derived from "
                "the transaction's own fields: derived:<transaction_type>|<order_sn, "
                "withdrawal_id or refund_sn>|<create_time>|<amount>"
            ),
        ),
        sa.Column("shop_id", sa.BigInteger(), nullable=False, comment="The shop whose wallet this is"),
        sa.Column(
            "create_time",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the transaction was created; decides the partition day",
        ),
        sa.Column(
            "transaction_type",
            sa.Text(),
            nullable=True,
            comment=(
                "TransactionType name (ESCROW_VERIFIED_ADD, WITHDRAWAL_CREATED, ...); a numeric "
                "code Shopee sends is stored as its name, an unknown one as received"
            ),
        ),
        sa.Column(
            "amount",
            sa.Numeric(),
            nullable=True,
            comment=(
                "Signed amount: positive credits the wallet, negative debits it (the sign of a "
                "known type's direction, whatever sign the answer used), in the shop's currency"
            ),
        ),
        sa.Column(
            "current_balance",
            sa.Numeric(),
            nullable=True,
            comment="The wallet balance right after this transaction, in the shop's currency",
        ),
        sa.Column("status", sa.Text(), nullable=True, comment="FAILED, COMPLETED, PENDING or INITIAL"),
        sa.Column(
            "order_sn",
            sa.Text(),
            nullable=True,
            comment="The order of an order-linked transaction (escrow credit, refund, ...)",
        ),
        sa.Column("refund_sn", sa.Text(), nullable=True, comment="The return of a refund transaction"),
        sa.Column(
            "withdrawal_id",
            sa.BigInteger(),
            nullable=True,
            comment="The withdrawal of a withdrawal transaction",
        ),
        sa.Column(
            "root_withdrawal_id",
            sa.BigInteger(),
            nullable=True,
            comment="Groups a withdrawal split by the withdrawal limit",
        ),
        sa.Column("withdrawal_type", sa.Text(), nullable=True, comment="Kind of withdrawal"),
        sa.Column(
            "transaction_fee",
            sa.Numeric(),
            nullable=True,
            comment="Fee of the transaction, in the shop's currency",
        ),
        sa.Column("wallet_type", sa.Text(), nullable=True, comment="The wallet (e.g. shopee_pay)"),
        sa.Column(
            "money_flow", sa.Text(), nullable=True, comment="MONEY_IN or MONEY_OUT, when Shopee sends it"
        ),
        sa.Column(
            "transaction_tab_type",
            sa.Text(),
            nullable=True,
            comment="Shopee's classification tab of the transaction",
        ),
        sa.Column("reason", sa.Text(), nullable=True, comment="Reason of an adjustment"),
        sa.Column("description", sa.Text(), nullable=True, comment="Shopee's description of the transaction"),
        sa.Column(
            "raw",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="The whole transaction as received",
        ),
        sa.Column(
            "synced_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When the pipeline last wrote this row",
        ),
        sa.PrimaryKeyConstraint("transaction_id"),
        comment="One row per transaction of a local shop's seller wallet, from get_wallet_transaction_list",
    )
    op.create_index("ix_wallet_transactions_order_sn", "wallet_transactions", ["order_sn"], unique=False)
    op.create_index(
        "ix_wallet_transactions_shop_create_time",
        "wallet_transactions",
        ["shop_id", "create_time"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_wallet_transactions_shop_create_time", table_name="wallet_transactions")
    op.drop_index("ix_wallet_transactions_order_sn", table_name="wallet_transactions")
    op.drop_table("wallet_transactions")
    op.drop_index("ix_escrow_releases_shop_release_time", table_name="escrow_releases")
    op.drop_table("escrow_releases")
