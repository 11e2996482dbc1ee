"""Initial warehouse schema: shops, tokens, orders and their children, escrow, bookings, events, sync state.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_items",
        sa.Column("booking_sn", sa.Text(), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=True),
        sa.Column("item_name", sa.Text(), nullable=True),
        sa.Column("item_sku", sa.Text(), nullable=True),
        sa.Column("model_id", sa.BigInteger(), nullable=True),
        sa.Column("model_name", sa.Text(), nullable=True),
        sa.Column("model_sku", sa.Text(), nullable=True),
        sa.Column("model_quantity_purchased", sa.Integer(), nullable=True),
        sa.Column("weight", sa.Numeric(), nullable=True),
        sa.Column("product_location_id", sa.Text(), nullable=True),
        sa.Column("image_url", sa.Text(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("booking_sn", "line_index"),
    )
    op.create_table(
        "bookings",
        sa.Column("booking_sn", sa.Text(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("booking_status", sa.Text(), nullable=True),
        sa.Column("match_status", sa.Text(), nullable=True),
        sa.Column("order_sn", sa.Text(), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ship_by_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipping_carrier", sa.Text(), nullable=True),
        sa.Column("fulfillment_flag", sa.Text(), nullable=True),
        sa.Column("cancel_by", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("pickup_done_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dropshipper", sa.Text(), nullable=True),
        sa.Column("dropshipper_phone", sa.Text(), nullable=True),
        sa.Column("recipient_address", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("booking_sn"),
    )
    op.create_index("ix_bookings_shop_update_time", "bookings", ["shop_id", "update_time"], unique=False)
    op.create_table(
        "escrow",
        sa.Column("order_sn", sa.Text(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("order_update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("buyer_user_name", sa.Text(), nullable=True),
        sa.Column("escrow_amount", sa.Numeric(), nullable=True),
        sa.Column("buyer_total_amount", sa.Numeric(), nullable=True),
        sa.Column("order_original_price", sa.Numeric(), nullable=True),
        sa.Column("original_price", sa.Numeric(), nullable=True),
        sa.Column("order_discounted_price", sa.Numeric(), nullable=True),
        sa.Column("order_selling_price", sa.Numeric(), nullable=True),
        sa.Column("order_seller_discount", sa.Numeric(), nullable=True),
        sa.Column("seller_discount", sa.Numeric(), nullable=True),
        sa.Column("shopee_discount", sa.Numeric(), nullable=True),
        sa.Column("voucher_from_seller", sa.Numeric(), nullable=True),
        sa.Column("voucher_from_shopee", sa.Numeric(), nullable=True),
        sa.Column("coins", sa.Numeric(), nullable=True),
        sa.Column("buyer_paid_shipping_fee", sa.Numeric(), nullable=True),
        sa.Column("buyer_transaction_fee", sa.Numeric(), nullable=True),
        sa.Column("commission_fee", sa.Numeric(), nullable=True),
        sa.Column("service_fee", sa.Numeric(), nullable=True),
        sa.Column("seller_transaction_fee", sa.Numeric(), nullable=True),
        sa.Column("campaign_fee", sa.Numeric(), nullable=True),
        sa.Column("order_ams_commission_fee", sa.Numeric(), nullable=True),
        sa.Column("estimated_shipping_fee", sa.Numeric(), nullable=True),
        sa.Column("final_shipping_fee", sa.Numeric(), nullable=True),
        sa.Column("actual_shipping_fee", sa.Numeric(), nullable=True),
        sa.Column("shopee_shipping_rebate", sa.Numeric(), nullable=True),
        sa.Column("seller_return_refund", sa.Numeric(), nullable=True),
        sa.Column("reverse_shipping_fee", sa.Numeric(), nullable=True),
        sa.Column("escrow_tax", sa.Numeric(), nullable=True),
        sa.Column("total_adjustment_amount", sa.Numeric(), nullable=True),
        sa.Column("escrow_amount_after_adjustment", sa.Numeric(), nullable=True),
        sa.Column("buyer_payment_method", sa.Text(), nullable=True),
        sa.Column("return_order_sn_list", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("buyer_payment_info", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("order_sn"),
    )
    op.create_index("ix_escrow_shop", "escrow", ["shop_id"], unique=False)
    op.create_table(
        "escrow_items",
        sa.Column("order_sn", sa.Text(), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("order_update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=True),
        sa.Column("item_name", sa.Text(), nullable=True),
        sa.Column("item_sku", sa.Text(), nullable=True),
        sa.Column("model_id", sa.BigInteger(), nullable=True),
        sa.Column("model_name", sa.Text(), nullable=True),
        sa.Column("model_sku", sa.Text(), nullable=True),
        sa.Column("line_item_id", sa.BigInteger(), nullable=True),
        sa.Column("quantity_purchased", sa.Integer(), nullable=True),
        sa.Column("original_price", sa.Numeric(), nullable=True),
        sa.Column("selling_price", sa.Numeric(), nullable=True),
        sa.Column("discounted_price", sa.Numeric(), nullable=True),
        sa.Column("seller_discount", sa.Numeric(), nullable=True),
        sa.Column("shopee_discount", sa.Numeric(), nullable=True),
        sa.Column("discount_from_coin", sa.Numeric(), nullable=True),
        sa.Column("discount_from_voucher_shopee", sa.Numeric(), nullable=True),
        sa.Column("discount_from_voucher_seller", sa.Numeric(), nullable=True),
        sa.Column("activity_type", sa.Text(), nullable=True),
        sa.Column("activity_id", sa.Numeric(precision=20, scale=0), nullable=True),
        sa.Column("is_main_item", sa.Boolean(), nullable=True),
        sa.Column("ams_commission_fee", sa.Numeric(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("order_sn", "line_index"),
    )
    op.create_table(
        "logistics",
        sa.Column("order_sn", sa.Text(), nullable=False),
        sa.Column("package_number", sa.Text(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("logistics_status", sa.Text(), nullable=True),
        sa.Column("logistics_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("shipping_carrier", sa.Text(), nullable=True),
        sa.Column("tracking_number", sa.Text(), nullable=True),
        sa.Column("allow_self_design_awb", sa.Boolean(), nullable=True),
        sa.Column("parcel_chargeable_weight", sa.Numeric(), nullable=True),
        sa.Column("group_shipment_id", sa.Text(), nullable=True),
        sa.Column("sorting_group", sa.Text(), nullable=True),
        sa.Column("item_list", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("order_sn", "package_number"),
    )
    op.create_index("ix_logistics_shop", "logistics", ["shop_id"], unique=False)
    op.create_table(
        "order_items",
        sa.Column("order_sn", sa.Text(), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=True),
        sa.Column("item_name", sa.Text(), nullable=True),
        sa.Column("item_sku", sa.Text(), nullable=True),
        sa.Column("model_id", sa.BigInteger(), nullable=True),
        sa.Column("model_name", sa.Text(), nullable=True),
        sa.Column("model_sku", sa.Text(), nullable=True),
        sa.Column("model_quantity_purchased", sa.Integer(), nullable=True),
        sa.Column("model_original_price", sa.Numeric(), nullable=True),
        sa.Column("model_discounted_price", sa.Numeric(), nullable=True),
        sa.Column("wholesale", sa.Boolean(), nullable=True),
        sa.Column("weight", sa.Numeric(), nullable=True),
        sa.Column("add_on_deal", sa.Boolean(), nullable=True),
        sa.Column("main_item", sa.Boolean(), nullable=True),
        sa.Column("add_on_deal_id", sa.Numeric(precision=20, scale=0), nullable=True),
        sa.Column("promotion_type", sa.Text(), nullable=True),
        sa.Column("promotion_id", sa.Numeric(precision=20, scale=0), nullable=True),
        sa.Column("order_item_id", sa.BigInteger(), nullable=True),
        sa.Column("line_item_id", sa.BigInteger(), nullable=True),
        sa.Column("promotion_group_id", sa.Numeric(precision=20, scale=0), nullable=True),
        sa.Column("product_location_id", sa.Text(), nullable=True),
        sa.Column("image_url", sa.Text(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("order_sn", "line_index"),
    )
    op.create_index("ix_order_items_shop", "order_items", ["shop_id"], unique=False)
    op.create_table(
        "orders",
        sa.Column("order_sn", sa.Text(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("order_status", sa.Text(), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pay_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ship_by_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("days_to_ship", sa.Integer(), nullable=True),
        sa.Column("total_amount", sa.Numeric(), nullable=True),
        sa.Column("cod", sa.Boolean(), nullable=True),
        sa.Column("payment_method", sa.Text(), nullable=True),
        sa.Column("buyer_user_id", sa.BigInteger(), nullable=True),
        sa.Column("buyer_username", sa.Text(), nullable=True),
        sa.Column("shipping_carrier", sa.Text(), nullable=True),
        sa.Column("checkout_shipping_carrier", sa.Text(), nullable=True),
        sa.Column("estimated_shipping_fee", sa.Numeric(), nullable=True),
        sa.Column("actual_shipping_fee", sa.Numeric(), nullable=True),
        sa.Column("actual_shipping_fee_confirmed", sa.Boolean(), nullable=True),
        sa.Column("fulfillment_flag", sa.Text(), nullable=True),
        sa.Column("split_up", sa.Boolean(), nullable=True),
        sa.Column("goods_to_declare", sa.Boolean(), nullable=True),
        sa.Column("order_chargeable_weight_gram", sa.Integer(), nullable=True),
        sa.Column("booking_sn", sa.Text(), nullable=True),
        sa.Column("advance_package", sa.Boolean(), nullable=True),
        sa.Column("message_to_seller", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("note_update_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_by", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("buyer_cancel_reason", sa.Text(), nullable=True),
        sa.Column("pickup_done_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_request_due_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dropshipper", sa.Text(), nullable=True),
        sa.Column("dropshipper_phone", sa.Text(), nullable=True),
        sa.Column("recipient_address", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("invoice_data", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("order_sn"),
    )
    op.create_index("ix_orders_shop_update_time", "orders", ["shop_id", "update_time"], unique=False)
    op.create_table(
        "shop_tokens",
        sa.Column("shop_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("access_token_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refresh_token_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("shop_id"),
    )
    op.create_table(
        "shops",
        sa.Column("shop_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("shop_name", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("authorization_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("authorization_expiry_warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "connected_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("shop_id"),
    )
    op.create_table(
        "sync_state",
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("stream", sa.Text(), nullable=False),
        sa.Column("high_water_mark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "stream"),
    )
    op.create_table(
        "webhook_events",
        sa.Column("event_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("msg_id", sa.Text(), nullable=True),
        sa.Column("shop_id", sa.BigInteger(), nullable=True),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("source", sa.Text(), server_default="push", nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index(
        "ix_webhook_events_unprocessed",
        "webhook_events",
        ["event_id"],
        unique=False,
        postgresql_where="processed_at IS NULL",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_webhook_events_unprocessed", table_name="webhook_events", postgresql_where="processed_at IS NULL"
    )
    op.drop_table("webhook_events")
    op.drop_table("sync_state")
    op.drop_table("shops")
    op.drop_table("shop_tokens")
    op.drop_index("ix_orders_shop_update_time", table_name="orders")
    op.drop_table("orders")
    op.drop_index("ix_order_items_shop", table_name="order_items")
    op.drop_table("order_items")
    op.drop_index("ix_logistics_shop", table_name="logistics")
    op.drop_table("logistics")
    op.drop_table("escrow_items")
    op.drop_index("ix_escrow_shop", table_name="escrow")
    op.drop_table("escrow")
    op.drop_index("ix_bookings_shop_update_time", table_name="bookings")
    op.drop_table("bookings")
    op.drop_table("booking_items")
