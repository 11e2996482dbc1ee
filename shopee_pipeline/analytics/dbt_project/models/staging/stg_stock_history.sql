-- One row per variation and local day: the last stock and price read that day.
select
    item_id,
    model_id,
    snapshot_date,
    shop_id,
    stock,
    currency,
    current_price
from {{ source('shopee', 'stock_history') }}
