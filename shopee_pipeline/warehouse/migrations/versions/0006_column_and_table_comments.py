"""Column and table comments: the data dictionary of `warehouse/tables.py` as Postgres `COMMENT ON`, so
Supabase's table editor (and any SQL client) shows what every table and column holds; Dagster's column
schema reads the same text from `tables.py`.

Only comments change: no table, column, type, nullability or default. The texts are frozen here as of this
revision (a later wording change in `tables.py` is a new migration, which `db revision` writes). Downgrade
removes every comment: before this revision there were none.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# table: (its comment, {column: its comment}), in the order of `tables.py`
COMMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "shops": (
        "The shops the pipeline syncs, one row per Shopee shop",
        {
            "shop_id": "Shopee's shop id",
            "shop_name": "Shop name from get_shop_info (or shops add --name)",
            "region": "Two-letter market of the shop, from get_shop_info",
            "active": "Synced or not (false after shops deactivate or push code 2)",
            "authorization_expires_at": "get_shop_info expire_time: when the seller's authorization ends",
            "authorization_expiry_warned_at": "When push code 12 (authorization expiring) arrived",
            "connected_at": "When the shop was connected",
            "deactivated_at": "When the shop was deactivated (NULL while active)",
            "updated_at": "Last change of this row",
        },
    ),
    "shop_tokens": (
        "Each shop's current token pair; row level security on, no grants to anon/authenticated",
        {
            "shop_id": "Shopee's shop id",
            "access_token": "Current access token (a secret)",
            "refresh_token": "Current refresh token (a secret)",
            "access_token_expires_at": "When the access token expires (from expire_in)",
            "refresh_token_expires_at": "Refresh token's expiry (30 days after each refresh)",
            "updated_at": "Last token rotation",
        },
    ),
    "orders": (
        "One row per order, from get_order_detail; the newest update_time wins",
        {
            "order_sn": "The order number",
            "shop_id": "The shop the order was read for",
            "region": "Two-letter market",
            "currency": "Three-letter currency of every amount",
            "order_status": "UNPAID, READY_TO_SHIP, PROCESSED, SHIPPED, COMPLETED, ...",
            "create_time": "When the order was placed",
            "update_time": "Last change of any value of the order; decides the partition day",
            "pay_time": "When paid (NULL until then)",
            "ship_by_date": "Deadline to ship",
            "days_to_ship": "Days the seller has to ship",
            "total_amount": (
                "What the buyer paid, shipping included, net of Shopee's promotions, in the shop's currency"
            ),
            "cod": "Cash on delivery",
            "payment_method": "e.g. Cash on Delivery, Bank Transfer",
            "buyer_user_id": "The buyer's id",
            "buyer_username": "The buyer's user name (masked by Shopee in some markets)",
            "shipping_carrier": "Carrier of the order",
            "checkout_shipping_carrier": "Carrier chosen at checkout",
            "estimated_shipping_fee": "Shipping fee estimated at checkout, in the shop's currency",
            "actual_shipping_fee": "Shipping fee charged by the carrier, in the shop's currency",
            "actual_shipping_fee_confirmed": "Whether actual_shipping_fee is final",
            "fulfillment_flag": "fulfilled_by_shopee, fulfilled_by_cb_seller or fulfilled_by_local_seller",
            "split_up": "The order ships in several packages",
            "goods_to_declare": "Cross-border goods to declare",
            "order_chargeable_weight_gram": "Chargeable weight, in grams",
            "booking_sn": "The advance-fulfilment booking this order was matched to",
            "advance_package": "Fulfilled from advance-fulfilment stock",
            "message_to_seller": "The buyer's message",
            "note": "The seller's note",
            "note_update_time": "When the note last changed",
            "cancel_by": "Who cancelled: buyer, seller, system or Ops",
            "cancel_reason": "Why the order was cancelled",
            "buyer_cancel_reason": "The buyer's own cancellation reason",
            "pickup_done_time": "When the carrier picked the order up",
            "return_request_due_date": "Last moment the buyer may ask for a return",
            "dropshipper": "Dropshipper's name",
            "dropshipper_phone": "Dropshipper's phone",
            "recipient_address": "Address object (name, phone, full_address, ...; masked)",
            "invoice_data": "The invoice object",
            "raw": "The whole get_order_detail object as received",
            "synced_at": "When the pipeline last wrote this row",
        },
    ),
    "order_items": (
        "One row per order line, from get_order_detail item_list; replaced with its order",
        {
            "order_sn": "The order",
            "line_index": "Position of the line in the order's item_list",
            "shop_id": "The shop",
            "update_time": "The order's update_time this line belongs to",
            "item_id": "The product's id",
            "item_name": "The product's name",
            "item_sku": "The product's SKU",
            "model_id": "The variation's id (0: no variation)",
            "model_name": "The variation's name",
            "model_sku": "The variation's SKU",
            "model_quantity_purchased": "Quantity bought",
            "model_original_price": "Unit price before discounts, in the shop's currency",
            "model_discounted_price": (
                "Unit price after discounts (0 on bundle-deal lines: see escrow), in the shop's currency"
            ),
            "wholesale": "Bought at a wholesale price",
            "weight": "Weight of one unit, as Shopee sends it",
            "add_on_deal": "Part of an add-on deal",
            "main_item": "The main item of its add-on deal",
            "add_on_deal_id": "The add-on deal",
            "promotion_type": "product_promotion, flash_sale, bundle_deal, add_on_deal_main, ...",
            "promotion_id": "The promotion (uint64)",
            "order_item_id": "Shared by one bundle's lines; equals item_id otherwise",
            "line_item_id": "Unique id of the line (newer orders)",
            "promotion_group_id": "The promotion group",
            "product_location_id": "Warehouse the line ships from",
            "image_url": "image_info.image_url",
            "raw": "The line as received",
        },
    ),
    "logistics": (
        "One row per package, from get_order_detail package_list; replaced with its order",
        {
            "order_sn": "The order",
            "package_number": "The package",
            "shop_id": "The shop",
            "update_time": "The order's update_time this package belongs to",
            "logistics_status": "LOGISTICS_READY, LOGISTICS_PICKUP_DONE, LOGISTICS_DELIVERY_DONE, ...",
            "logistics_channel_id": "The logistics channel",
            "shipping_carrier": "The package's carrier, else the order's",
            "tracking_number": "From get_mass_tracking_number (NULL until assigned)",
            "allow_self_design_awb": "The seller may print its own airway bill",
            "parcel_chargeable_weight": "Chargeable weight of the package",
            "group_shipment_id": "Grouping of shipments",
            "sorting_group": "Sorting group of the shipment",
            "item_list": "The lines in this package",
            "raw": "The package as received",
        },
    ),
    "escrow": (
        "One row per order with an escrow, from get_escrow_detail_batch (order_income)",
        {
            "order_sn": "The order",
            "shop_id": "The shop",
            "order_update_time": "The order's update_time this escrow reflects (version guard)",
            "buyer_user_name": "escrow_detail.buyer_user_name",
            "escrow_amount": (
                "What the seller should receive (changes until the order completes), in the shop's currency"
            ),
            "buyer_total_amount": "What the buyer paid, in the shop's currency",
            "order_original_price": "Order price before discounts, in the shop's currency",
            "original_price": "Price before discounts, in the shop's currency",
            "order_discounted_price": "Order price after discounts, in the shop's currency",
            "order_selling_price": "Order selling price after discounts, in the shop's currency",
            "order_seller_discount": "Discount on the order by the seller, in the shop's currency",
            "seller_discount": "Discount by the seller, in the shop's currency",
            "shopee_discount": "Discount by Shopee, in the shop's currency",
            "voucher_from_seller": "Seller voucher used, in the shop's currency",
            "voucher_from_shopee": "Shopee voucher used, in the shop's currency",
            "coins": "Shopee coins used, in the shop's currency",
            "buyer_paid_shipping_fee": "Shipping fee paid by the buyer, in the shop's currency",
            "buyer_transaction_fee": "Transaction fee paid by the buyer, in the shop's currency",
            "commission_fee": "Commission fee charged to the seller, in the shop's currency",
            "service_fee": "Service fee charged to the seller, in the shop's currency",
            "seller_transaction_fee": "Transaction fee charged to the seller, in the shop's currency",
            "campaign_fee": "Campaign fee charged to the seller, in the shop's currency",
            "order_ams_commission_fee": (
                "Affiliate (AMS) commission charged to the seller, in the shop's currency"
            ),
            "estimated_shipping_fee": "Shipping fee estimated at checkout, in the shop's currency",
            "final_shipping_fee": (
                "Final shipping fee to the seller (may be negative), in the shop's currency"
            ),
            "actual_shipping_fee": "Shipping fee charged by the carrier, in the shop's currency",
            "shopee_shipping_rebate": "Shipping rebate from Shopee, in the shop's currency",
            "seller_return_refund": "Refund of returns taken from the seller, in the shop's currency",
            "reverse_shipping_fee": "Shipping fee of returns, in the shop's currency",
            "escrow_tax": "Tax on the escrow, in the shop's currency",
            "total_adjustment_amount": "Sum of the adjustments, in the shop's currency",
            "escrow_amount_after_adjustment": "escrow_amount after the adjustments, in the shop's currency",
            "buyer_payment_method": "order_income.buyer_payment_method",
            "return_order_sn_list": "The order's return numbers",
            "buyer_payment_info": "The checkout payment snapshot",
            "raw": "The whole escrow_detail as received",
            "synced_at": "When the pipeline last wrote this row",
        },
    ),
    "escrow_items": (
        "One row per escrow line, from order_income.items; replaced with its escrow",
        {
            "order_sn": "The order",
            "line_index": "Position of the line in order_income.items",
            "shop_id": "The shop",
            "order_update_time": "The order's update_time its escrow was read for",
            "item_id": "The product's id",
            "item_name": "The product's name",
            "item_sku": "The product's SKU",
            "model_id": "The variation's id (0: no variation)",
            "model_name": "The variation's name",
            "model_sku": "The variation's SKU",
            "line_item_id": "Unique id of the line",
            "quantity_purchased": "Quantity bought",
            "original_price": (
                "Line subtotal before discounts (not a unit price above quantity 1), in the shop's currency"
            ),
            "selling_price": "Line subtotal at the selling price, in the shop's currency",
            "discounted_price": "Line subtotal after discounts, in the shop's currency",
            "seller_discount": "Seller's discount on the line, in the shop's currency",
            "shopee_discount": "Shopee's discount on the line, in the shop's currency",
            "discount_from_coin": "Coins' discount on the line, in the shop's currency",
            "discount_from_voucher_shopee": "Shopee voucher's discount on the line, in the shop's currency",
            "discount_from_voucher_seller": "Seller voucher's discount on the line, in the shop's currency",
            "activity_type": "'' (none), bundle_deal or add_on_deal",
            "activity_id": "The activity (uint64)",
            "is_main_item": "The main item of its add-on deal",
            "ams_commission_fee": "Affiliate (AMS) commission on the line, in the shop's currency",
            "raw": "The line as received",
        },
    ),
    "bookings": (
        "One row per advance-fulfilment booking, from get_booking_detail; the newest update_time wins",
        {
            "booking_sn": "The booking number",
            "shop_id": "The shop",
            "region": "Two-letter market",
            "booking_status": "READY_TO_SHIP, PROCESSED, SHIPPED, CANCELLED or MATCHED",
            "match_status": "MATCH_PENDING, MATCH_SUCCESSFUL or MATCH_FAILED",
            "order_sn": "The order it was matched to (once MATCHED)",
            "create_time": "When the booking was created",
            "update_time": "Last change of the booking; decides the partition day",
            "ship_by_date": "Deadline to ship",
            "shipping_carrier": "Carrier of the booking",
            "fulfillment_flag": "fulfilled_by_shopee, fulfilled_by_cb_seller or fulfilled_by_local_seller",
            "cancel_by": "Who cancelled: buyer, seller, system or Ops",
            "cancel_reason": "Why the booking was cancelled",
            "pickup_done_time": "When the carrier picked the booking up",
            "dropshipper": "Dropshipper's name",
            "dropshipper_phone": "Dropshipper's phone",
            "recipient_address": "The address object (masked by Shopee)",
            "raw": "The whole get_booking_detail object as received",
            "synced_at": "When the pipeline last wrote this row",
        },
    ),
    "booking_items": (
        "One row per booking line, from get_booking_detail item_list; replaced with its booking",
        {
            "booking_sn": "The booking",
            "line_index": "Position of the line in the booking's item_list",
            "shop_id": "The shop",
            "update_time": "The booking's update_time this line belongs to",
            "item_id": "The product's id",
            "item_name": "The product's name",
            "item_sku": "The product's SKU",
            "model_id": "The variation's id (0: no variation)",
            "model_name": "The variation's name",
            "model_sku": "The variation's SKU",
            "model_quantity_purchased": "Quantity booked",
            "weight": "Weight of one unit, as Shopee sends it",
            "product_location_id": "Warehouse the line ships from",
            "image_url": "image_info.image_url",
            "raw": "The line as received",
        },
    ),
    "returns": (
        "One row per return/refund request, from get_return_list or get_return_detail",
        {
            "return_sn": "The return number (numeric or alphanumeric)",
            "order_sn": "The order returned (it can have several returns)",
            "shop_id": "The shop",
            "status": "REQUESTED, PROCESSING, ACCEPTED, SELLER_DISPUTE, JUDGING, CLOSED, ...",
            "reason": "The buyer's reason",
            "reassessed_request_reason": "The reason as re-assessed by Shopee (NONE if not)",
            "text_reason": "The buyer's own words",
            "refund_amount": "The refund, in the shop's currency",
            "amount_before_discount": "The order price before discount, in the shop's currency",
            "currency": "The shop's currency",
            "create_time": "When the return was raised",
            "update_time": "Last change of the return; decides the partition day",
            "due_date": "The seller's deadline to act on the return",
            "return_ship_due_date": "The buyer's deadline to ship the items back",
            "return_seller_due_date": "The seller's deadline once the buyer shipped",
            "tracking_number": "Tracking number of the reverse shipment",
            "needs_logistics": "Items must be sent back",
            "negotiation_status": "Status of the negotiation (detail: negotiation)",
            "seller_proof_status": "Status of the seller's proof (detail: seller_proof)",
            "seller_compensation_status": "Compensation status (COMPENSATION_ prefix dropped)",
            "return_refund_type": "RRBOC (raised before the order completed) or RRAOC (after)",
            "return_solution": "0 return and refund, 1 refund only",
            "return_refund_request_type": "0 normal, 1 in transit, 2 return on the spot",
            "validation_type": "seller_validation or warehouse_validation",
            "is_arrived_at_warehouse": (
                "Warehouse validation: 1 pending inbound, 2 rejected, 3 inbound, 4 cancelled"
            ),
            "raw": "The whole return object as last read (list or detail)",
            "synced_at": "When the pipeline last wrote this row",
        },
    ),
    "return_items": (
        "One row per returned line, from the return's item list; replaced with its return",
        {
            "return_sn": "The return",
            "line_index": "Position of the line in the return's item list",
            "shop_id": "The shop",
            "update_time": "The return's update_time this line belongs to",
            "item_id": "The product's id",
            "model_id": "The variation's id (0: no variation)",
            "name": "The product's name",
            "item_sku": "The product's SKU",
            "variation_sku": "The variation's SKU",
            "amount": "Quantity returned (a quantity, not money)",
            "item_price": "Price of the item, in the shop's currency",
            "is_add_on_deal": "Part of an add-on deal",
            "is_main_item": "The main item of its add-on deal",
            "add_on_deal_id": "The add-on deal",
            "raw": "The line as received",
        },
    ),
    "webhook_events": (
        "One row per distinct Shopee push, stored by the receiver and the lost-push recovery",
        {
            "event_id": "Order of arrival",
            "dedupe_key": "msg:<msg_id> when the push carries one, else sha256:<hex of the raw body>",
            "msg_id": "Shopee's msg_id",
            "shop_id": "Shopee's shop_id (top level or in data); NULL for partner pushes",
            "code": "Push code: 3 order status, 4 tracking number, ...",
            "payload": "The whole push envelope (shop_id, code, data, ...)",
            "source": "push (delivered) or lost_push (from get_lost_push_message)",
            "received_at": "When the push was stored",
            "processed_at": "When the sensor settled it (NULL: pending)",
            "outcome": "synced by run <run_id> (<run_key>), shop update (code N) or ignored: <reason>",
            "run_key": "Run key of the run the sensor gave the push to",
        },
    ),
    "sync_state": (
        "One row per shop and stream: how far it is synced and its last outcome",
        {
            "shop_id": "The shop",
            "stream": "orders, escrow, bookings or returns",
            "high_water_mark": "Greatest update_time synced; today's incremental read starts before it",
            "last_success_at": "When the shop's sync of this stream last succeeded",
            "last_error_at": "When it last failed",
            "last_error": "The last failure's message",
            "updated_at": "Last write of this row",
        },
    ),
    "rate_budget": (
        "The deployment-wide token bucket of Shopee requests, shared by every process",
        {
            "name": "The bucket: partner:<partner_id>",
            "tokens": "Shopee requests left in the bucket at updated_at",
            "updated_at": "When tokens was last computed",
        },
    ),
}


def upgrade() -> None:
    for table, (table_comment, columns) in COMMENTS.items():
        op.create_table_comment(table, table_comment)
        for column, comment in columns.items():
            op.alter_column(table, column, comment=comment)


def downgrade() -> None:
    for table, (_, columns) in COMMENTS.items():
        op.drop_table_comment(table)
        for column in columns:
            op.alter_column(table, column, comment=None)
