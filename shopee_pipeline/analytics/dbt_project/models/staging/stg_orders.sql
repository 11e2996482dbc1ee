-- One row per order, with its day in SHOPEE_TIMEZONE and its cancellation as a flag.
select
    order_sn,
    shop_id,
    region,
    currency,
    order_status,
    order_status = 'CANCELLED' as is_cancelled,
    create_time,
    {{ shop_local_date('create_time') }} as order_date,
    update_time,
    pay_time,
    ship_by_date,
    pickup_done_time,
    days_to_ship,
    total_amount,
    cod,
    payment_method,
    shipping_carrier,
    booking_sn,
    cancel_by,
    cancel_reason
from {{ source('shopee', 'orders') }}
