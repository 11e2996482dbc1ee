-- One row per variation (model_id 0: a product without variations): its SKU, price and stock now.
select
    item_id,
    model_id,
    shop_id,
    model_sku,
    model_status,
    currency,
    original_price,
    current_price,
    stock,
    update_time
from {{ source('shopee', 'item_models') }}
