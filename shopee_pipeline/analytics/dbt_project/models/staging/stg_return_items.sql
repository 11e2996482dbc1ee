-- One row per returned line; `quantity` is Shopee's `amount` (a quantity, not money).
-- depends_on: {{ source('shopee', 'returns') }}
select
    return_sn,
    line_index,
    shop_id,
    item_id,
    model_id,
    name as item_name,
    amount as quantity,
    item_price
from {{ shopee_child_table('return_items') }}
