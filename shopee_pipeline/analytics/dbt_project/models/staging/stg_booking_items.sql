-- One row per booking line.
-- depends_on: {{ source('shopee', 'bookings') }}
select
    booking_sn,
    line_index,
    shop_id,
    item_id,
    model_id,
    item_name,
    model_quantity_purchased as quantity
from {{ shopee_child_table('booking_items') }}
