-- Per shop and day an order was placed (orders not cancelled): GMV, Shopee's fees by kind and refunds
-- from the escrow, the net payout, the cost of goods kept and the profit (net payout - cogs of the orders
-- with an escrow; orders_without_escrow says how many are not in it yet).
select
    o.shop_id,
    o.order_date,
    min(o.currency) as currency,
    count(*) as orders,
    sum(o.total_amount) as gmv,
    coalesce(sum(e.commission_fee), 0) as commission_fee,
    coalesce(sum(e.service_fee), 0) as service_fee,
    coalesce(sum(e.seller_transaction_fee), 0) as seller_transaction_fee,
    coalesce(sum(e.campaign_fee), 0) as campaign_fee,
    coalesce(sum(e.order_ams_commission_fee), 0) as order_ams_commission_fee,
    coalesce(sum(e.actual_shipping_fee), 0) as actual_shipping_fee,
    coalesce(sum(abs(e.seller_return_refund)), 0) as refunds,
    coalesce(sum(p.net_payout), 0) as net_payout,
    sum(p.cogs) as cogs,
    coalesce(sum(p.profit), 0) as profit,
    count(*) filter (where p.net_payout is null) as orders_without_escrow,
    bool_and(p.cogs_complete) as cogs_complete
from {{ ref('stg_orders') }} as o
join {{ ref('order_profit') }} as p on p.order_sn = o.order_sn
left join {{ ref('stg_escrow') }} as e on e.order_sn = o.order_sn
where not o.is_cancelled
group by o.shop_id, o.order_date
