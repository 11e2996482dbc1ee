-- Per order with an escrow: what the buyer paid, each fee Shopee charges the seller, the shipping money,
-- and escrow_amount, the net payout. fee_share is the fees' share of what the buyer paid.
select
    e.order_sn,
    e.shop_id,
    o.order_date,
    o.currency,
    o.order_status,
    e.buyer_total_amount,
    e.commission_fee,
    e.service_fee,
    e.seller_transaction_fee,
    e.campaign_fee,
    e.order_ams_commission_fee,
    coalesce(e.commission_fee, 0) + coalesce(e.service_fee, 0) + coalesce(e.seller_transaction_fee, 0)
        + coalesce(e.campaign_fee, 0) + coalesce(e.order_ams_commission_fee, 0) as total_fees,
    e.actual_shipping_fee,
    e.final_shipping_fee,
    e.seller_return_refund,
    e.escrow_amount,
    (
        coalesce(e.commission_fee, 0) + coalesce(e.service_fee, 0) + coalesce(e.seller_transaction_fee, 0)
        + coalesce(e.campaign_fee, 0) + coalesce(e.order_ams_commission_fee, 0)
    ) / nullif(e.buyer_total_amount, 0) as fee_share
from {{ ref('stg_escrow') }} as e
left join {{ ref('stg_orders') }} as o on o.order_sn = e.order_sn
