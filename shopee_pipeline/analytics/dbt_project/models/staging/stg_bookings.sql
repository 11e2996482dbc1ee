-- One row per advance-fulfilment booking.
select
    booking_sn,
    shop_id,
    booking_status,
    match_status,
    order_sn,
    create_time,
    {{ shop_local_date('create_time') }} as booking_date,
    update_time,
    ship_by_date,
    pickup_done_time,
    shipping_carrier
from {{ source('shopee', 'bookings') }}
