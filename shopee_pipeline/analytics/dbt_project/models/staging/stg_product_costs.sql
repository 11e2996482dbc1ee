-- One row per variation and valid_from date: the seller's unit cost from that day on, until the next.
select
    shop_id,
    item_id,
    model_id,
    valid_from,
    lead(valid_from) over (partition by shop_id, item_id, model_id order by valid_from) as valid_until,
    unit_cost,
    currency
from {{ source('shopee', 'product_costs') }}
