"""SQLAlchemy Core tables of the warehouse, in Shopee's own field names.

The tables carry no schema: the engine maps them into `SHOPEE_DB_SCHEMA` with
`schema_translate_map={None: schema}`: `warehouse.store.Warehouse` sets it on every connection, and
`warehouse/migrations/env.py` on the migrations' (with the search path scoped by
`warehouse.migrate.scope_to_schema`). Ids are `bigint`, uint64
promotion/activity ids `numeric(20)`, money `numeric`, times `timestamptz`, statuses `text` (an unknown
enum value still lands) and each main table keeps the raw API object in `raw` (`jsonb`).

This file is also the data dictionary: every table and column carries a `comment`, which migrations
write as Postgres `COMMENT ON` (0006 wrote the first ones; Supabase's table editor shows them) and
`lib.metadata.column_schema` passes to Dagster as each column's description. A changed comment is a
change like any other: `make migration`. Wording follows `docs/interface.md`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
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


def _ts(name: str, comment: str, **kwargs: Any) -> Column:
    """A `timestamptz` column (Shopee sends Unix seconds) described by `comment`."""
    return Column(name, DateTime(timezone=True), comment=comment, **kwargs)


def _money(name: str, comment: str) -> Column:
    """A `numeric` money column described by `comment`, to which it adds the unit: the shop's currency."""
    return Column(name, Numeric, comment=f"{comment}, in the shop's currency")


BOOKKEEPING_COLUMNS = frozenset({"synced_at"})
"""Columns the warehouse fills itself (the database's `now()` at each write), never a normaliser: the
upserts leave them out of the rows they stage and compare."""


def _synced_at() -> Column:
    """The `synced_at` column every synced main table ends with; it means the same everywhere, so it
    carries its own comment."""
    return _ts(
        "synced_at", "When the pipeline last wrote this row", nullable=False, server_default=func.now()
    )


def _product_and_variation() -> list[Column]:
    """`item_id`, `item_name`, `item_sku`, `model_id`, `model_name`, `model_sku`: the product and its
    variation (Shopee's model), named alike in the item lists of orders, escrows and bookings."""
    return [
        Column("item_id", BigInteger, comment="The product's id"),
        Column("item_name", Text, comment="The product's name"),
        Column("item_sku", Text, comment="The product's SKU"),
        Column("model_id", BigInteger, comment="The variation's id (0: no variation)"),
        Column("model_name", Text, comment="The variation's name"),
        Column("model_sku", Text, comment="The variation's SKU"),
    ]


shops = Table(
    "shops",
    metadata,
    Column("shop_id", BigInteger, primary_key=True, autoincrement=False, comment="Shopee's shop id"),
    Column("shop_name", Text, comment="Shop name from get_shop_info (or shops add --name)"),
    Column("region", Text, comment="Two-letter market of the shop, from get_shop_info"),
    Column(
        "active",
        Boolean,
        nullable=False,
        server_default="true",
        comment="Synced or not (false after shops deactivate or push code 2)",
    ),
    _ts("authorization_expires_at", "get_shop_info expire_time: when the seller's authorization ends"),
    _ts("authorization_expiry_warned_at", "When push code 12 (authorization expiring) arrived"),
    _ts("connected_at", "When the shop was connected", nullable=False, server_default=func.now()),
    _ts("deactivated_at", "When the shop was deactivated (NULL while active)"),
    _ts("updated_at", "Last change of this row", nullable=False, server_default=func.now()),
    comment="The shops the pipeline syncs, one row per Shopee shop",
)

shop_tokens = Table(
    "shop_tokens",
    metadata,
    Column("shop_id", BigInteger, primary_key=True, autoincrement=False, comment="Shopee's shop id"),
    Column("access_token", Text, nullable=False, comment="Current access token (a secret)"),
    Column("refresh_token", Text, nullable=False, comment="Current refresh token (a secret)"),
    _ts("access_token_expires_at", "When the access token expires (from expire_in)", nullable=False),
    _ts("refresh_token_expires_at", "Refresh token's expiry (30 days after each refresh)", nullable=False),
    _ts("updated_at", "Last token rotation", nullable=False, server_default=func.now()),
    comment="Each shop's current token pair; row level security on, no grants to anon/authenticated",
)

orders = Table(
    "orders",
    metadata,
    Column("order_sn", Text, primary_key=True, comment="The order number"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop the order was read for"),
    Column("region", Text, comment="Two-letter market"),
    Column("currency", Text, comment="Three-letter currency of every amount"),
    Column("order_status", Text, comment="UNPAID, READY_TO_SHIP, PROCESSED, SHIPPED, COMPLETED, ..."),
    _ts("create_time", "When the order was placed"),
    _ts("update_time", "Last change of any value of the order; decides the partition day", nullable=False),
    _ts("pay_time", "When paid (NULL until then)"),
    _ts("ship_by_date", "Deadline to ship"),
    Column("days_to_ship", Integer, comment="Days the seller has to ship"),
    _money("total_amount", "What the buyer paid, shipping included, net of Shopee's promotions"),
    Column("cod", Boolean, comment="Cash on delivery"),
    Column("payment_method", Text, comment="e.g. Cash on Delivery, Bank Transfer"),
    Column("buyer_user_id", BigInteger, comment="The buyer's id"),
    Column("buyer_username", Text, comment="The buyer's user name (masked by Shopee in some markets)"),
    Column("shipping_carrier", Text, comment="Carrier of the order"),
    Column("checkout_shipping_carrier", Text, comment="Carrier chosen at checkout"),
    _money("estimated_shipping_fee", "Shipping fee estimated at checkout"),
    _money("actual_shipping_fee", "Shipping fee charged by the carrier"),
    Column("actual_shipping_fee_confirmed", Boolean, comment="Whether actual_shipping_fee is final"),
    Column(
        "fulfillment_flag",
        Text,
        comment="fulfilled_by_shopee, fulfilled_by_cb_seller or fulfilled_by_local_seller",
    ),
    Column("split_up", Boolean, comment="The order ships in several packages"),
    Column("goods_to_declare", Boolean, comment="Cross-border goods to declare"),
    Column("order_chargeable_weight_gram", Integer, comment="Chargeable weight, in grams"),
    Column("booking_sn", Text, comment="The advance-fulfilment booking this order was matched to"),
    Column("advance_package", Boolean, comment="Fulfilled from advance-fulfilment stock"),
    Column("message_to_seller", Text, comment="The buyer's message"),
    Column("note", Text, comment="The seller's note"),
    _ts("note_update_time", "When the note last changed"),
    Column("cancel_by", Text, comment="Who cancelled: buyer, seller, system or Ops"),
    Column("cancel_reason", Text, comment="Why the order was cancelled"),
    Column("buyer_cancel_reason", Text, comment="The buyer's own cancellation reason"),
    _ts("pickup_done_time", "When the carrier picked the order up"),
    _ts("return_request_due_date", "Last moment the buyer may ask for a return"),
    Column("dropshipper", Text, comment="Dropshipper's name"),
    Column("dropshipper_phone", Text, comment="Dropshipper's phone"),
    Column("recipient_address", JSONB, comment="Address object (name, phone, full_address, ...; masked)"),
    Column("invoice_data", JSONB, comment="The invoice object"),
    Column("raw", JSONB, nullable=False, comment="The whole get_order_detail object as received"),
    _synced_at(),
    Index("ix_orders_shop_update_time", "shop_id", "update_time"),
    comment="One row per order, from get_order_detail; the newest update_time wins",
)

order_items = Table(
    "order_items",
    metadata,
    Column("order_sn", Text, nullable=False, comment="The order"),
    Column("line_index", Integer, nullable=False, comment="Position of the line in the order's item_list"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    _ts("update_time", "The order's update_time this line belongs to", nullable=False),
    *_product_and_variation(),
    Column("model_quantity_purchased", Integer, comment="Quantity bought"),
    _money("model_original_price", "Unit price before discounts"),
    _money("model_discounted_price", "Unit price after discounts (0 on bundle-deal lines: see escrow)"),
    Column("wholesale", Boolean, comment="Bought at a wholesale price"),
    Column("weight", Numeric, comment="Weight of one unit, as Shopee sends it"),
    Column("add_on_deal", Boolean, comment="Part of an add-on deal"),
    Column("main_item", Boolean, comment="The main item of its add-on deal"),
    Column("add_on_deal_id", Numeric(20, 0), comment="The add-on deal"),
    Column(
        "promotion_type", Text, comment="product_promotion, flash_sale, bundle_deal, add_on_deal_main, ..."
    ),
    Column("promotion_id", Numeric(20, 0), comment="The promotion (uint64)"),
    Column("order_item_id", BigInteger, comment="Shared by one bundle's lines; equals item_id otherwise"),
    Column("line_item_id", BigInteger, comment="Unique id of the line (newer orders)"),
    Column("promotion_group_id", Numeric(20, 0), comment="The promotion group"),
    Column("product_location_id", Text, comment="Warehouse the line ships from"),
    Column("image_url", Text, comment="image_info.image_url"),
    Column("raw", JSONB, nullable=False, comment="The line as received"),
    PrimaryKeyConstraint("order_sn", "line_index"),
    Index("ix_order_items_shop", "shop_id"),
    comment="One row per order line, from get_order_detail item_list; replaced with its order",
)

logistics = Table(
    "logistics",
    metadata,
    Column("order_sn", Text, nullable=False, comment="The order"),
    Column("package_number", Text, nullable=False, comment="The package"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    _ts("update_time", "The order's update_time this package belongs to", nullable=False),
    Column(
        "logistics_status",
        Text,
        comment="LOGISTICS_READY, LOGISTICS_PICKUP_DONE, LOGISTICS_DELIVERY_DONE, ...",
    ),
    Column("logistics_channel_id", BigInteger, comment="The logistics channel"),
    Column("shipping_carrier", Text, comment="The package's carrier, else the order's"),
    Column("tracking_number", Text, comment="From get_mass_tracking_number (NULL until assigned)"),
    Column("allow_self_design_awb", Boolean, comment="The seller may print its own airway bill"),
    Column("parcel_chargeable_weight", Numeric, comment="Chargeable weight of the package"),
    Column("group_shipment_id", Text, comment="Grouping of shipments"),
    Column("sorting_group", Text, comment="Sorting group of the shipment"),
    Column("item_list", JSONB, comment="The lines in this package"),
    Column("raw", JSONB, nullable=False, comment="The package as received"),
    PrimaryKeyConstraint("order_sn", "package_number"),
    Index("ix_logistics_shop", "shop_id"),
    comment="One row per package, from get_order_detail package_list; replaced with its order",
)

escrow = Table(
    "escrow",
    metadata,
    Column("order_sn", Text, primary_key=True, comment="The order"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    _ts("order_update_time", "The order's update_time this escrow reflects (version guard)", nullable=False),
    Column("buyer_user_name", Text, comment="escrow_detail.buyer_user_name"),
    _money("escrow_amount", "What the seller should receive (changes until the order completes)"),
    _money("buyer_total_amount", "What the buyer paid"),
    _money("order_original_price", "Order price before discounts"),
    _money("original_price", "Price before discounts"),
    _money("order_discounted_price", "Order price after discounts"),
    _money("order_selling_price", "Order selling price after discounts"),
    _money("order_seller_discount", "Discount on the order by the seller"),
    _money("seller_discount", "Discount by the seller"),
    _money("shopee_discount", "Discount by Shopee"),
    _money("voucher_from_seller", "Seller voucher used"),
    _money("voucher_from_shopee", "Shopee voucher used"),
    _money("coins", "Shopee coins used"),
    _money("buyer_paid_shipping_fee", "Shipping fee paid by the buyer"),
    _money("buyer_transaction_fee", "Transaction fee paid by the buyer"),
    _money("commission_fee", "Commission fee charged to the seller"),
    _money("service_fee", "Service fee charged to the seller"),
    _money("seller_transaction_fee", "Transaction fee charged to the seller"),
    _money("campaign_fee", "Campaign fee charged to the seller"),
    _money("order_ams_commission_fee", "Affiliate (AMS) commission charged to the seller"),
    _money("estimated_shipping_fee", "Shipping fee estimated at checkout"),
    _money("final_shipping_fee", "Final shipping fee to the seller (may be negative)"),
    _money("actual_shipping_fee", "Shipping fee charged by the carrier"),
    _money("shopee_shipping_rebate", "Shipping rebate from Shopee"),
    _money("seller_return_refund", "Refund of returns taken from the seller"),
    _money("reverse_shipping_fee", "Shipping fee of returns"),
    _money("escrow_tax", "Tax on the escrow"),
    _money("total_adjustment_amount", "Sum of the adjustments"),
    _money("escrow_amount_after_adjustment", "escrow_amount after the adjustments"),
    Column("buyer_payment_method", Text, comment="order_income.buyer_payment_method"),
    Column("return_order_sn_list", JSONB, comment="The order's return numbers"),
    Column("buyer_payment_info", JSONB, comment="The checkout payment snapshot"),
    Column("raw", JSONB, nullable=False, comment="The whole escrow_detail as received"),
    _synced_at(),
    Index("ix_escrow_shop", "shop_id"),
    comment="One row per order with an escrow, from get_escrow_detail_batch (order_income)",
)

escrow_items = Table(
    "escrow_items",
    metadata,
    Column("order_sn", Text, nullable=False, comment="The order"),
    Column("line_index", Integer, nullable=False, comment="Position of the line in order_income.items"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    _ts("order_update_time", "The order's update_time its escrow was read for", nullable=False),
    *_product_and_variation(),
    Column("line_item_id", BigInteger, comment="Unique id of the line"),
    Column("quantity_purchased", Integer, comment="Quantity bought"),
    _money("original_price", "Line subtotal before discounts (not a unit price above quantity 1)"),
    _money("selling_price", "Line subtotal at the selling price"),
    _money("discounted_price", "Line subtotal after discounts"),
    _money("seller_discount", "Seller's discount on the line"),
    _money("shopee_discount", "Shopee's discount on the line"),
    _money("discount_from_coin", "Coins' discount on the line"),
    _money("discount_from_voucher_shopee", "Shopee voucher's discount on the line"),
    _money("discount_from_voucher_seller", "Seller voucher's discount on the line"),
    Column("activity_type", Text, comment="'' (none), bundle_deal or add_on_deal"),
    Column("activity_id", Numeric(20, 0), comment="The activity (uint64)"),
    Column("is_main_item", Boolean, comment="The main item of its add-on deal"),
    _money("ams_commission_fee", "Affiliate (AMS) commission on the line"),
    Column("raw", JSONB, nullable=False, comment="The line as received"),
    PrimaryKeyConstraint("order_sn", "line_index"),
    comment="One row per escrow line, from order_income.items; replaced with its escrow",
)

bookings = Table(
    "bookings",
    metadata,
    Column("booking_sn", Text, primary_key=True, comment="The booking number"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    Column("region", Text, comment="Two-letter market"),
    Column("booking_status", Text, comment="READY_TO_SHIP, PROCESSED, SHIPPED, CANCELLED or MATCHED"),
    Column("match_status", Text, comment="MATCH_PENDING, MATCH_SUCCESSFUL or MATCH_FAILED"),
    Column("order_sn", Text, comment="The order it was matched to (once MATCHED)"),
    _ts("create_time", "When the booking was created"),
    _ts("update_time", "Last change of the booking; decides the partition day", nullable=False),
    _ts("ship_by_date", "Deadline to ship"),
    Column("shipping_carrier", Text, comment="Carrier of the booking"),
    Column(
        "fulfillment_flag",
        Text,
        comment="fulfilled_by_shopee, fulfilled_by_cb_seller or fulfilled_by_local_seller",
    ),
    Column("cancel_by", Text, comment="Who cancelled: buyer, seller, system or Ops"),
    Column("cancel_reason", Text, comment="Why the booking was cancelled"),
    _ts("pickup_done_time", "When the carrier picked the booking up"),
    Column("dropshipper", Text, comment="Dropshipper's name"),
    Column("dropshipper_phone", Text, comment="Dropshipper's phone"),
    Column("recipient_address", JSONB, comment="The address object (masked by Shopee)"),
    Column("raw", JSONB, nullable=False, comment="The whole get_booking_detail object as received"),
    _synced_at(),
    Index("ix_bookings_shop_update_time", "shop_id", "update_time"),
    comment="One row per advance-fulfilment booking, from get_booking_detail; the newest update_time wins",
)

booking_items = Table(
    "booking_items",
    metadata,
    Column("booking_sn", Text, nullable=False, comment="The booking"),
    Column("line_index", Integer, nullable=False, comment="Position of the line in the booking's item_list"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    _ts("update_time", "The booking's update_time this line belongs to", nullable=False),
    *_product_and_variation(),
    Column("model_quantity_purchased", Integer, comment="Quantity booked"),
    Column("weight", Numeric, comment="Weight of one unit, as Shopee sends it"),
    Column("product_location_id", Text, comment="Warehouse the line ships from"),
    Column("image_url", Text, comment="image_info.image_url"),
    Column("raw", JSONB, nullable=False, comment="The line as received"),
    PrimaryKeyConstraint("booking_sn", "line_index"),
    comment="One row per booking line, from get_booking_detail item_list; replaced with its booking",
)

# A return (return/refund request) as `get_return_list` and `get_return_detail` both give it: the three
# statuses the list carries flat are read from the detail's nested objects too; `seller_compensation_status`
# is stored without the `COMPENSATION_` prefix some answers carry (docs/shopee-api-notes.md#returns).
# Fields only the detail has stay in `raw`, so a list re-read never blanks a column.
returns = Table(
    "returns",
    metadata,
    Column("return_sn", Text, primary_key=True, comment="The return number (numeric or alphanumeric)"),
    Column("order_sn", Text, nullable=False, comment="The order returned (it can have several returns)"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    Column("status", Text, comment="REQUESTED, PROCESSING, ACCEPTED, SELLER_DISPUTE, JUDGING, CLOSED, ..."),
    Column("reason", Text, comment="The buyer's reason"),
    Column("reassessed_request_reason", Text, comment="The reason as re-assessed by Shopee (NONE if not)"),
    Column("text_reason", Text, comment="The buyer's own words"),
    _money("refund_amount", "The refund"),
    _money("amount_before_discount", "The order price before discount"),
    Column("currency", Text, comment="The shop's currency"),
    _ts("create_time", "When the return was raised"),
    _ts("update_time", "Last change of the return; decides the partition day", nullable=False),
    _ts("due_date", "The seller's deadline to act on the return"),
    _ts("return_ship_due_date", "The buyer's deadline to ship the items back"),
    _ts("return_seller_due_date", "The seller's deadline once the buyer shipped"),
    Column("tracking_number", Text, comment="Tracking number of the reverse shipment"),
    Column("needs_logistics", Boolean, comment="Items must be sent back"),
    Column("negotiation_status", Text, comment="Status of the negotiation (detail: negotiation)"),
    Column("seller_proof_status", Text, comment="Status of the seller's proof (detail: seller_proof)"),
    Column("seller_compensation_status", Text, comment="Compensation status (COMPENSATION_ prefix dropped)"),
    Column("return_refund_type", Text, comment="RRBOC (raised before the order completed) or RRAOC (after)"),
    Column("return_solution", Integer, comment="0 return and refund, 1 refund only"),
    Column("return_refund_request_type", Integer, comment="0 normal, 1 in transit, 2 return on the spot"),
    Column("validation_type", Text, comment="seller_validation or warehouse_validation"),
    Column(
        "is_arrived_at_warehouse",
        Integer,
        comment="Warehouse validation: 1 pending inbound, 2 rejected, 3 inbound, 4 cancelled",
    ),
    Column("raw", JSONB, nullable=False, comment="The whole return object as last read (list or detail)"),
    _synced_at(),
    Index("ix_returns_shop_update_time", "shop_id", "update_time"),
    Index("ix_returns_order_sn", "order_sn"),
    comment="One row per return/refund request, from get_return_list or get_return_detail",
)

return_items = Table(
    "return_items",
    metadata,
    Column("return_sn", Text, nullable=False, comment="The return"),
    Column("line_index", Integer, nullable=False, comment="Position of the line in the return's item list"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    _ts("update_time", "The return's update_time this line belongs to", nullable=False),
    Column("item_id", BigInteger, comment="The product's id"),
    Column("model_id", BigInteger, comment="The variation's id (0: no variation)"),
    Column("name", Text, comment="The product's name"),
    Column("item_sku", Text, comment="The product's SKU"),
    Column("variation_sku", Text, comment="The variation's SKU"),
    Column("amount", Integer, comment="Quantity returned (a quantity, not money)"),
    _money("item_price", "Price of the item"),
    Column("is_add_on_deal", Boolean, comment="Part of an add-on deal"),
    Column("is_main_item", Boolean, comment="The main item of its add-on deal"),
    Column("add_on_deal_id", BigInteger, comment="The add-on deal"),
    Column("raw", JSONB, nullable=False, comment="The line as received"),
    PrimaryKeyConstraint("return_sn", "line_index"),
    comment="One row per returned line, from the return's item list; replaced with its return",
)

wallet_transactions = Table(
    "wallet_transactions",
    metadata,
    Column(
        "transaction_id",
        Text,
        primary_key=True,
        comment=(
            "Shopee's transaction_id as text; where the answer lacks it, a key derived from the "
            "transaction's own fields: derived:<transaction_type>|<order_sn, withdrawal_id or refund_sn>|"
            "<create_time>|<amount>"
        ),
    ),
    Column("shop_id", BigInteger, nullable=False, comment="The shop whose wallet this is"),
    _ts("create_time", "When the transaction was created; decides the partition day", nullable=False),
    Column(
        "transaction_type",
        Text,
        comment="TransactionType name (ESCROW_VERIFIED_ADD, WITHDRAWAL_CREATED, ...); a numeric code Shopee "
        "sends is stored as its name, an unknown one as received",
    ),
    _money(
        "amount",
        "Signed amount: positive credits the wallet, negative debits it (the sign of a known type's "
        "direction, whatever sign the answer used)",
    ),
    _money("current_balance", "The wallet balance right after this transaction"),
    Column("status", Text, comment="FAILED, COMPLETED, PENDING or INITIAL"),
    Column("order_sn", Text, comment="The order of an order-linked transaction (escrow credit, refund, ...)"),
    Column("refund_sn", Text, comment="The return of a refund transaction"),
    Column("withdrawal_id", BigInteger, comment="The withdrawal of a withdrawal transaction"),
    Column("root_withdrawal_id", BigInteger, comment="Groups a withdrawal split by the withdrawal limit"),
    Column("withdrawal_type", Text, comment="Kind of withdrawal"),
    _money("transaction_fee", "Fee of the transaction"),
    Column("wallet_type", Text, comment="The wallet (e.g. shopee_pay)"),
    Column("money_flow", Text, comment="MONEY_IN or MONEY_OUT, when Shopee sends it"),
    Column("transaction_tab_type", Text, comment="Shopee's classification tab of the transaction"),
    Column("reason", Text, comment="Reason of an adjustment"),
    Column("description", Text, comment="Shopee's description of the transaction"),
    Column("raw", JSONB, nullable=False, comment="The whole transaction as received"),
    _synced_at(),
    Index("ix_wallet_transactions_shop_create_time", "shop_id", "create_time"),
    Index("ix_wallet_transactions_order_sn", "order_sn"),
    comment="One row per transaction of a local shop's seller wallet, from get_wallet_transaction_list",
)

escrow_releases = Table(
    "escrow_releases",
    metadata,
    Column("order_sn", Text, primary_key=True, comment="The order whose escrow was released"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    _money("payout_amount", "What the release paid out for the order"),
    _ts("escrow_release_time", "When the escrow was released; decides the partition day", nullable=False),
    Column("raw", JSONB, nullable=False, comment="The whole get_escrow_list entry as received"),
    _synced_at(),
    Index("ix_escrow_releases_shop_release_time", "shop_id", "escrow_release_time"),
    comment="One row per order whose escrow Shopee released, from get_escrow_list",
)

# The catalogue as `get_item_list`, `get_item_base_info` and `get_model_list` give it. Prices and stock live
# on `item_models` only: an item without variations gets one row there with `model_id` 0 carrying the
# item's own `price_info` and `stock_info_v2`, so every sellable unit has one row whatever its shape.
# Stock figures are stored as Shopee sends them; `stock` is the one to sell from
# (docs/shopee-api-notes.md#catalogue says which figure it is and how to choose another).
items = Table(
    "items",
    metadata,
    Column("item_id", BigInteger, primary_key=True, autoincrement=False, comment="The product's id"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    Column("item_name", Text, comment="The product's name, in the shop's language"),
    Column("item_sku", Text, comment="The product's own (parent) SKU; may be empty"),
    Column(
        "item_status",
        Text,
        comment="NORMAL, UNLIST, BANNED, REVIEWING, SELLER_DELETE or SHOPEE_DELETE (deleted items are kept)",
    ),
    Column("category_id", BigInteger, comment="The product's category"),
    _ts("create_time", "When the product was listed"),
    _ts(
        "update_time",
        "Last change of the product as Shopee reports it; decides the partition day",
        nullable=False,
    ),
    Column("has_model", Boolean, comment="The product has variations (its prices and stock are per model)"),
    Column("has_promotion", Boolean, comment="A promotion runs on the product"),
    Column("brand_id", BigInteger, comment="brand.brand_id (0: no brand)"),
    Column("brand_name", Text, comment="brand.original_brand_name"),
    Column("condition", Text, comment="NEW or USED"),
    Column("weight", Numeric, comment="Package weight in kg (with variations, the largest)"),
    Column("package_length", Integer, comment="dimension.package_length, in cm"),
    Column("package_width", Integer, comment="dimension.package_width, in cm"),
    Column("package_height", Integer, comment="dimension.package_height, in cm"),
    Column("is_pre_order", Boolean, comment="pre_order.is_pre_order"),
    Column("days_to_ship", Integer, comment="pre_order.days_to_ship"),
    Column("gtin_code", Text, comment="The product's GTIN (barcode)"),
    Column("is_fulfillment_by_shopee", Boolean, comment="Stocked and shipped by Shopee (FBS)"),
    Column("image_url", Text, comment="The first of image.image_url_list"),
    Column(
        "tier_variation",
        JSONB,
        comment="get_model_list tier_variation: each tier's name and options (tier_index points here)",
    ),
    Column(
        "raw",
        JSONB,
        nullable=False,
        comment="The get_item_base_info object as received, get_model_list's model list merged in",
    ),
    _synced_at(),
    Index("ix_items_shop_update_time", "shop_id", "update_time"),
    comment="One row per product (deleted ones kept), from get_item_base_info; the newest update_time wins",
)

item_models = Table(
    "item_models",
    metadata,
    Column("item_id", BigInteger, nullable=False, comment="The product"),
    Column("model_id", BigInteger, nullable=False, comment="The variation (0: the product has none)"),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    _ts("update_time", "The product's update_time this row was read with", nullable=False),
    Column("model_sku", Text, comment="The variation's SKU (model 0: the product's item_sku)"),
    Column("model_status", Text, comment="MODEL_NORMAL (sellable) or MODEL_UNAVAILABLE (model 0: NULL)"),
    Column("tier_index", JSONB, comment="Positions of the variation's options in the item's tier_variation"),
    Column("currency", Text, comment="price_info.currency"),
    _money("original_price", "price_info.original_price: the price before promotions"),
    _money("current_price", "price_info.current_price: the price a buyer pays now (promotion included)"),
    Column(
        "stock", Integer, comment="Units available to sell (stock_info_v2.summary_info.total_available_stock)"
    ),
    Column(
        "reserved_stock",
        Integer,
        comment="stock_info_v2.summary_info.total_reserved_stock (promotion reserve)",
    ),
    Column(
        "seller_stock", Integer, comment="Sum of stock_info_v2.seller_stock[].stock (the seller's warehouses)"
    ),
    Column(
        "shopee_stock", Integer, comment="Sum of stock_info_v2.shopee_stock[].stock (Shopee's warehouses)"
    ),
    Column("has_promotion", Boolean, comment="A promotion runs on the variation"),
    Column("promotion_id", Numeric(20, 0), comment="The running promotion (uint64; 0: none)"),
    Column("weight", Numeric, comment="The variation's package weight in kg"),
    Column("gtin_code", Text, comment="The variation's GTIN (barcode)"),
    Column("raw", JSONB, nullable=False, comment="The get_model_list model (model 0: the item) as received"),
    PrimaryKeyConstraint("item_id", "model_id"),
    Index("ix_item_models_shop", "shop_id"),
    comment="One row per variation with its price and stock, from get_model_list; replaced with its item",
)

stock_history = Table(
    "stock_history",
    metadata,
    Column("item_id", BigInteger, nullable=False, comment="The product"),
    Column("model_id", BigInteger, nullable=False, comment="The variation (0: the product has none)"),
    Column(
        "snapshot_date", Date, nullable=False, comment="The local day (SHOPEE_TIMEZONE) the state was seen"
    ),
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    Column("stock", Integer, comment="Units available to sell, as item_models.stock"),
    Column("currency", Text, comment="price_info.currency"),
    _money("original_price", "The price before promotions"),
    _money("current_price", "The price a buyer paid at that moment"),
    Column("item_status", Text, comment="The product's status then (never a deleted one)"),
    Column("model_status", Text, comment="The variation's status then"),
    _ts("update_time", "The product's update_time the state was read with", nullable=False),
    _ts(
        "seen_at", "When the pipeline read that state from Shopee; the latest of the day wins", nullable=False
    ),
    PrimaryKeyConstraint("item_id", "model_id", "snapshot_date"),
    Index("ix_stock_history_shop_date", "shop_id", "snapshot_date"),
    comment="One row per variation and local day with the last stock and price read that day, for every "
    "product not deleted (the API keeps no history: only what was read is known)",
)

product_costs = Table(
    "product_costs",
    metadata,
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    Column("item_id", BigInteger, nullable=False, comment="The product's id"),
    Column("model_id", BigInteger, nullable=False, comment="The variation's id (0: no variation)"),
    Column(
        "valid_from",
        Date,
        nullable=False,
        comment="First local day (SHOPEE_TIMEZONE) the cost applies to; it holds until the next valid_from",
    ),
    Column("unit_cost", Numeric, nullable=False, comment="What one unit costs the seller (never negative)"),
    Column("currency", Text, nullable=False, comment="Three-letter currency of unit_cost"),
    _ts(
        "updated_at",
        "When `costs import` wrote this cost or last changed it",
        nullable=False,
        server_default=func.now(),
    ),
    PrimaryKeyConstraint("shop_id", "item_id", "model_id", "valid_from"),
    comment="What each variation costs the seller, from `shopee-pipeline costs import`; one row per cost "
    "and the day it starts",
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("event_id", BigInteger, Identity(), primary_key=True, comment="Order of arrival"),
    Column(
        "dedupe_key",
        Text,
        nullable=False,
        unique=True,
        comment="msg:<msg_id> when the push carries one, else sha256:<hex of the raw body>",
    ),
    Column("msg_id", Text, comment="Shopee's msg_id"),
    Column("shop_id", BigInteger, comment="Shopee's shop_id (top level or in data); NULL for partner pushes"),
    Column("code", Integer, nullable=False, comment="Push code: 3 order status, 4 tracking number, ..."),
    Column("payload", JSONB, nullable=False, comment="The whole push envelope (shop_id, code, data, ...)"),
    Column(
        "source",
        Text,
        nullable=False,
        server_default="push",
        comment="push (delivered) or lost_push (from get_lost_push_message)",
    ),
    _ts("received_at", "When the push was stored", nullable=False, server_default=func.now()),
    _ts("processed_at", "When the sensor settled it (NULL: pending)"),
    Column(
        "outcome",
        Text,
        comment="synced by run <run_id> (<run_key>), shop update (code N) or ignored: <reason>",
    ),
    Column("run_key", Text, comment="Run key of the run the sensor gave the push to"),
    Index("ix_webhook_events_unprocessed", "event_id", postgresql_where="processed_at IS NULL"),
    comment="One row per distinct Shopee push, stored by the receiver and the lost-push recovery",
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("shop_id", BigInteger, nullable=False, comment="The shop"),
    Column("stream", Text, nullable=False, comment="orders, escrow, bookings or returns"),
    _ts("high_water_mark", "Greatest update_time synced; today's incremental read starts before it"),
    _ts("last_success_at", "When the shop's sync of this stream last succeeded"),
    _ts("last_error_at", "When it last failed"),
    Column("last_error", Text, comment="The last failure's message"),
    _ts("updated_at", "Last write of this row", nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("shop_id", "stream"),
    comment="One row per shop and stream: how far it is synced and its last outcome",
)

rate_budget = Table(
    "rate_budget",
    metadata,
    Column("name", Text, primary_key=True, comment="The bucket: partner:<partner_id>"),
    Column("tokens", Float, nullable=False, comment="Shopee requests left in the bucket at updated_at"),
    _ts("updated_at", "When tokens was last computed", nullable=False, server_default=func.now()),
    comment="The deployment-wide token bucket of Shopee requests, shared by every process",
)

rate_limits = Table(
    "rate_limits",
    metadata,
    Column(
        "scope",
        Text,
        primary_key=True,
        comment="The limiter scope: partner:<partner_id>, its :public calls, or shop:<shop_id>",
    ),
    Column("rate", Float, nullable=False, comment="Learned Shopee requests per second to send at"),
    Column("ceiling", Float, comment="Rate at which error_rate_limit last began (NULL until the first)"),
    Column(
        "cuts", BigInteger, nullable=False, comment="How many error_rate_limit answers cut the rate so far"
    ),
    _ts("updated_at", "Last write of this row", nullable=False, server_default=func.now()),
    comment="What the adaptive rate learned of Shopee's unpublished limits, shared by every process",
)
