-- Per shop and day (the order's create_time in SHOPEE_TIMEZONE): orders placed, cancellations, and the
-- units and GMV of the orders not cancelled. GMV is the sum of orders.total_amount (what the buyer
-- paid, shipping included; 0 until an order is paid), in the shop's currency.
with lines as (
    select order_sn, sum(quantity) as units
    from {{ ref('stg_order_items') }}
    group by order_sn
)

select
    o.shop_id,
    o.order_date,
    o.currency,
    count(*) as orders,
    count(*) filter (where o.is_cancelled) as cancellations,
    count(*) filter (where not o.is_cancelled) as orders_not_cancelled,
    coalesce(sum(l.units) filter (where not o.is_cancelled), 0) as units,
    coalesce(sum(o.total_amount) filter (where not o.is_cancelled), 0) as gmv
from {{ ref('stg_orders') }} as o
left join lines as l on l.order_sn = o.order_sn
group by o.shop_id, o.order_date, o.currency
