-- Per shop, product, variation and local day: units sold and their revenue (model_discounted_price x
-- quantity) on the orders placed that day (not UNPAID nor CANCELLED), the cost of the units kept
-- (order_line_costs) and the stock at the day's close (the last stock read that day, stock_history).
with sales as (
    select
        o.shop_id,
        l.item_id,
        coalesce(l.model_id, 0) as model_id,
        o.order_date as day,
        sum(l.quantity) as units,
        sum(l.quantity * l.model_discounted_price) as revenue
    from {{ ref('stg_order_items') }} as l
    join {{ ref('stg_orders') }} as o on o.order_sn = l.order_sn
    where o.order_status not in ('UNPAID', 'CANCELLED')
    group by 1, 2, 3, 4
),

costs as (
    select shop_id, item_id, model_id, order_date as day, sum(cogs) as cogs
    from {{ ref('order_line_costs') }}
    group by 1, 2, 3, 4
),

days as (
    select shop_id, item_id, model_id, day from sales
    union
    select shop_id, item_id, model_id, snapshot_date from {{ ref('stg_stock_history') }}
)

select
    d.shop_id,
    d.item_id,
    d.model_id,
    d.day,
    coalesce(s.units, 0) as units,
    coalesce(s.revenue, 0) as revenue,
    coalesce(c.cogs, 0) as cogs,
    h.stock as closing_stock
from days as d
left join sales as s
    on s.shop_id = d.shop_id and s.item_id = d.item_id and s.model_id = d.model_id and s.day = d.day
left join costs as c
    on c.shop_id = d.shop_id and c.item_id = d.item_id and c.model_id = d.model_id and c.day = d.day
left join {{ ref('stg_stock_history') }} as h
    on h.shop_id = d.shop_id and h.item_id = d.item_id and h.model_id = d.model_id
    and h.snapshot_date = d.day
