-- One row per package.
select
    order_sn,
    package_number,
    shop_id,
    logistics_status,
    logistics_channel_id,
    shipping_carrier,
    tracking_number
from {{ source('shopee', 'logistics') }}
