"""SQLAlchemy Core tables of the warehouse, in Shopee's own field names.

The tables carry no schema: the engine maps them into `SHOPEE_DB_SCHEMA` with
`schema_translate_map={None: schema}`: `warehouse.store.Warehouse` sets it on every connection, and
`warehouse/migrations/env.py` on the migrations' (with the search path scoped by
`warehouse.migrate.scope_to_schema`). Ids are `bigint`, uint64
promotion/activity ids `numeric(20)`, money `numeric`, times `timestamptz`, statuses `text` (an unknown
enum value still lands) and each main table keeps the raw API object in `raw` (`jsonb`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()


def _ts(name: str, **kwargs: object) -> Column:
    return Column(name, DateTime(timezone=True), **kwargs)


def _money(name: str) -> Column:
    return Column(name, Numeric)


def _synced_at() -> Column:
    return _ts("synced_at", nullable=False, server_default=func.now())


shops = Table(
    "shops",
    metadata,
    Column("shop_id", BigInteger, primary_key=True, autoincrement=False),
    Column("shop_name", Text),
    Column("region", Text),
    Column("active", Boolean, nullable=False, server_default="true"),
    _ts("authorization_expires_at"),
    _ts("authorization_expiry_warned_at"),
    _ts("connected_at", nullable=False, server_default=func.now()),
    _ts("deactivated_at"),
    _ts("updated_at", nullable=False, server_default=func.now()),
)

shop_tokens = Table(
    "shop_tokens",
    metadata,
    Column("shop_id", BigInteger, primary_key=True, autoincrement=False),
    Column("access_token", Text, nullable=False),
    Column("refresh_token", Text, nullable=False),
    _ts("access_token_expires_at", nullable=False),
    _ts("refresh_token_expires_at", nullable=False),
    _ts("updated_at", nullable=False, server_default=func.now()),
)

orders = Table(
    "orders",
    metadata,
    Column("order_sn", Text, primary_key=True),
    Column("shop_id", BigInteger, nullable=False),
    Column("region", Text),
    Column("currency", Text),
    Column("order_status", Text),
    _ts("create_time"),
    _ts("update_time", nullable=False),
    _ts("pay_time"),
    _ts("ship_by_date"),
    Column("days_to_ship", Integer),
    _money("total_amount"),
    Column("cod", Boolean),
    Column("payment_method", Text),
    Column("buyer_user_id", BigInteger),
    Column("buyer_username", Text),
    Column("shipping_carrier", Text),
    Column("checkout_shipping_carrier", Text),
    _money("estimated_shipping_fee"),
    _money("actual_shipping_fee"),
    Column("actual_shipping_fee_confirmed", Boolean),
    Column("fulfillment_flag", Text),
    Column("split_up", Boolean),
    Column("goods_to_declare", Boolean),
    Column("order_chargeable_weight_gram", Integer),
    Column("booking_sn", Text),
    Column("advance_package", Boolean),
    Column("message_to_seller", Text),
    Column("note", Text),
    _ts("note_update_time"),
    Column("cancel_by", Text),
    Column("cancel_reason", Text),
    Column("buyer_cancel_reason", Text),
    _ts("pickup_done_time"),
    _ts("return_request_due_date"),
    Column("dropshipper", Text),
    Column("dropshipper_phone", Text),
    Column("recipient_address", JSONB),
    Column("invoice_data", JSONB),
    Column("raw", JSONB, nullable=False),
    _synced_at(),
    Index("ix_orders_shop_update_time", "shop_id", "update_time"),
)

order_items = Table(
    "order_items",
    metadata,
    Column("order_sn", Text, nullable=False),
    Column("line_index", Integer, nullable=False),
    Column("shop_id", BigInteger, nullable=False),
    _ts("update_time", nullable=False),
    Column("item_id", BigInteger),
    Column("item_name", Text),
    Column("item_sku", Text),
    Column("model_id", BigInteger),
    Column("model_name", Text),
    Column("model_sku", Text),
    Column("model_quantity_purchased", Integer),
    _money("model_original_price"),
    _money("model_discounted_price"),
    Column("wholesale", Boolean),
    Column("weight", Numeric),
    Column("add_on_deal", Boolean),
    Column("main_item", Boolean),
    Column("add_on_deal_id", Numeric(20, 0)),
    Column("promotion_type", Text),
    Column("promotion_id", Numeric(20, 0)),
    Column("order_item_id", BigInteger),
    Column("line_item_id", BigInteger),
    Column("promotion_group_id", Numeric(20, 0)),
    Column("product_location_id", Text),
    Column("image_url", Text),
    Column("raw", JSONB, nullable=False),
    PrimaryKeyConstraint("order_sn", "line_index"),
    Index("ix_order_items_shop", "shop_id"),
)

logistics = Table(
    "logistics",
    metadata,
    Column("order_sn", Text, nullable=False),
    Column("package_number", Text, nullable=False),
    Column("shop_id", BigInteger, nullable=False),
    _ts("update_time", nullable=False),
    Column("logistics_status", Text),
    Column("logistics_channel_id", BigInteger),
    Column("shipping_carrier", Text),
    Column("tracking_number", Text),
    Column("allow_self_design_awb", Boolean),
    Column("parcel_chargeable_weight", Numeric),
    Column("group_shipment_id", Text),
    Column("sorting_group", Text),
    Column("item_list", JSONB),
    Column("raw", JSONB, nullable=False),
    PrimaryKeyConstraint("order_sn", "package_number"),
    Index("ix_logistics_shop", "shop_id"),
)

escrow = Table(
    "escrow",
    metadata,
    Column("order_sn", Text, primary_key=True),
    Column("shop_id", BigInteger, nullable=False),
    _ts("order_update_time", nullable=False),
    Column("buyer_user_name", Text),
    _money("escrow_amount"),
    _money("buyer_total_amount"),
    _money("order_original_price"),
    _money("original_price"),
    _money("order_discounted_price"),
    _money("order_selling_price"),
    _money("order_seller_discount"),
    _money("seller_discount"),
    _money("shopee_discount"),
    _money("voucher_from_seller"),
    _money("voucher_from_shopee"),
    _money("coins"),
    _money("buyer_paid_shipping_fee"),
    _money("buyer_transaction_fee"),
    _money("commission_fee"),
    _money("service_fee"),
    _money("seller_transaction_fee"),
    _money("campaign_fee"),
    _money("order_ams_commission_fee"),
    _money("estimated_shipping_fee"),
    _money("final_shipping_fee"),
    _money("actual_shipping_fee"),
    _money("shopee_shipping_rebate"),
    _money("seller_return_refund"),
    _money("reverse_shipping_fee"),
    _money("escrow_tax"),
    _money("total_adjustment_amount"),
    _money("escrow_amount_after_adjustment"),
    Column("buyer_payment_method", Text),
    Column("return_order_sn_list", JSONB),
    Column("buyer_payment_info", JSONB),
    Column("raw", JSONB, nullable=False),
    _synced_at(),
    Index("ix_escrow_shop", "shop_id"),
)

escrow_items = Table(
    "escrow_items",
    metadata,
    Column("order_sn", Text, nullable=False),
    Column("line_index", Integer, nullable=False),
    Column("shop_id", BigInteger, nullable=False),
    _ts("order_update_time", nullable=False),
    Column("item_id", BigInteger),
    Column("item_name", Text),
    Column("item_sku", Text),
    Column("model_id", BigInteger),
    Column("model_name", Text),
    Column("model_sku", Text),
    Column("line_item_id", BigInteger),
    Column("quantity_purchased", Integer),
    _money("original_price"),
    _money("selling_price"),
    _money("discounted_price"),
    _money("seller_discount"),
    _money("shopee_discount"),
    _money("discount_from_coin"),
    _money("discount_from_voucher_shopee"),
    _money("discount_from_voucher_seller"),
    Column("activity_type", Text),
    Column("activity_id", Numeric(20, 0)),
    Column("is_main_item", Boolean),
    _money("ams_commission_fee"),
    Column("raw", JSONB, nullable=False),
    PrimaryKeyConstraint("order_sn", "line_index"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("booking_sn", Text, primary_key=True),
    Column("shop_id", BigInteger, nullable=False),
    Column("region", Text),
    Column("booking_status", Text),
    Column("match_status", Text),
    Column("order_sn", Text),
    _ts("create_time"),
    _ts("update_time", nullable=False),
    _ts("ship_by_date"),
    Column("shipping_carrier", Text),
    Column("fulfillment_flag", Text),
    Column("cancel_by", Text),
    Column("cancel_reason", Text),
    _ts("pickup_done_time"),
    Column("dropshipper", Text),
    Column("dropshipper_phone", Text),
    Column("recipient_address", JSONB),
    Column("raw", JSONB, nullable=False),
    _synced_at(),
    Index("ix_bookings_shop_update_time", "shop_id", "update_time"),
)

booking_items = Table(
    "booking_items",
    metadata,
    Column("booking_sn", Text, nullable=False),
    Column("line_index", Integer, nullable=False),
    Column("shop_id", BigInteger, nullable=False),
    _ts("update_time", nullable=False),
    Column("item_id", BigInteger),
    Column("item_name", Text),
    Column("item_sku", Text),
    Column("model_id", BigInteger),
    Column("model_name", Text),
    Column("model_sku", Text),
    Column("model_quantity_purchased", Integer),
    Column("weight", Numeric),
    Column("product_location_id", Text),
    Column("image_url", Text),
    Column("raw", JSONB, nullable=False),
    PrimaryKeyConstraint("booking_sn", "line_index"),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("event_id", BigInteger, Identity(), primary_key=True),
    Column("dedupe_key", Text, nullable=False, unique=True),
    Column("msg_id", Text),
    Column("shop_id", BigInteger),
    Column("code", Integer, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("source", Text, nullable=False, server_default="push"),
    _ts("received_at", nullable=False, server_default=func.now()),
    _ts("processed_at"),
    Column("outcome", Text),
    Column("run_key", Text),
    Index("ix_webhook_events_unprocessed", "event_id", postgresql_where="processed_at IS NULL"),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("shop_id", BigInteger, nullable=False),
    Column("stream", Text, nullable=False),
    _ts("high_water_mark"),
    _ts("last_success_at"),
    _ts("last_error_at"),
    Column("last_error", Text),
    _ts("updated_at", nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("shop_id", "stream"),
)

rate_budget = Table(
    "rate_budget",
    metadata,
    Column("name", Text, primary_key=True),
    Column("tokens", Float, nullable=False),
    _ts("updated_at", nullable=False, server_default=func.now()),
)
