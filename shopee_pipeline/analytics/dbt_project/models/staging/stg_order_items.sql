-- One row per order line; `quantity` is Shopee's model_quantity_purchased.
select
    order_sn,
    line_index,
    shop_id,
    item_id,
    item_name,
    item_sku,
    model_id,
    model_name,
    model_sku,
    model_quantity_purchased as quantity,
    model_original_price,
    model_discounted_price,
    promotion_type
from {{ source('shopee', 'order_items') }}
