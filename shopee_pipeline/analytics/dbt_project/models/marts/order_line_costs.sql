-- Per order and variation: the units sold, the units of ACCEPTED returns, the unit cost valid on the
-- order's day (the latest product_costs.valid_from not after it) and the cost of the units kept.
-- An UNPAID or CANCELLED order costs nothing: its units kept are 0.
with lines as (
    select l.order_sn, l.shop_id, l.item_id, coalesce(l.model_id, 0) as model_id, sum(l.quantity) as units
    from {{ ref('stg_order_items') }} as l
    group by 1, 2, 3, 4
),

returned as (
    select r.order_sn, i.item_id, coalesce(i.model_id, 0) as model_id, sum(i.quantity) as units
    from {{ ref('stg_returns') }} as r
    join {{ ref('stg_return_items') }} as i on i.return_sn = r.return_sn
    where r.is_accepted
    group by 1, 2, 3
)

select
    l.order_sn,
    l.shop_id,
    o.order_date,
    o.create_time,
    l.item_id,
    l.model_id,
    l.units,
    coalesce(r.units, 0) as units_returned,
    case
        when o.order_status in ('UNPAID', 'CANCELLED') then 0
        else greatest(l.units - coalesce(r.units, 0), 0)
    end as units_kept,
    c.unit_cost,
    c.unit_cost is not null as cost_known,
    case
        when o.order_status in ('UNPAID', 'CANCELLED') then 0
        else greatest(l.units - coalesce(r.units, 0), 0) * coalesce(c.unit_cost, 0)
    end as cogs
from lines as l
join {{ ref('stg_orders') }} as o on o.order_sn = l.order_sn
left join returned as r on r.order_sn = l.order_sn and r.item_id = l.item_id and r.model_id = l.model_id
left join {{ ref('stg_product_costs') }} as c
    on c.shop_id = l.shop_id
    and c.item_id = l.item_id
    and c.model_id = l.model_id
    and c.valid_from <= o.order_date
    and (c.valid_until is null or c.valid_until > o.order_date)
