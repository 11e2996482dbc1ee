-- Per order: GMV (orders.total_amount), the net payout (escrow.escrow_amount; null without escrow yet),
-- the cost of the goods kept (order_line_costs) and the profit, net_payout - cogs (null without escrow).
-- cogs_complete is false when a line sold has no known unit cost (it then counts 0).
with costs as (
    select
        order_sn,
        sum(cogs) as cogs,
        bool_and(cost_known or units_kept = 0) as cogs_complete
    from {{ ref('order_line_costs') }}
    group by order_sn
)

select
    o.order_sn,
    o.shop_id,
    o.order_date,
    o.currency,
    o.order_status,
    o.total_amount as gmv,
    e.escrow_amount as net_payout,
    coalesce(c.cogs, 0) as cogs,
    coalesce(c.cogs_complete, true) as cogs_complete,
    e.escrow_amount - coalesce(c.cogs, 0) as profit
from {{ ref('stg_orders') }} as o
left join {{ ref('stg_escrow') }} as e on e.order_sn = o.order_sn
left join costs as c on c.order_sn = o.order_sn
