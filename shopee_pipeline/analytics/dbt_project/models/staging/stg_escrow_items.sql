-- One row per escrow line; the prices are line subtotals (docs/interface.md, escrow_items).
-- depends_on: {{ source('shopee', 'escrow') }}
select
    order_sn,
    line_index,
    shop_id,
    item_id,
    model_id,
    quantity_purchased as quantity,
    original_price,
    selling_price,
    discounted_price,
    seller_discount,
    shopee_discount,
    activity_type,
    ams_commission_fee
from {{ shopee_child_table('escrow_items') }}
