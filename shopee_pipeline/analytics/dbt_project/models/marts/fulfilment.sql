-- Per shop and day the carrier picked orders up (pickup_done_time in SHOPEE_TIMEZONE): orders shipped,
-- those picked up after their ship_by_date, and the median hours from the order's create_time to pickup.
select
    shop_id,
    {{ shop_local_date('pickup_done_time') }} as ship_date,
    count(*) as orders_shipped,
    count(*) filter (where pickup_done_time > ship_by_date) as shipped_late,
    percentile_cont(0.5) within group (
        order by extract(epoch from pickup_done_time - create_time) / 3600.0
    ) as median_hours_to_pickup
from {{ ref('stg_orders') }}
where pickup_done_time is not null
group by 1, 2
