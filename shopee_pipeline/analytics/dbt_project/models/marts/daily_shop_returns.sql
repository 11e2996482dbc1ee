-- Per shop and day a return was raised (its create_time in SHOPEE_TIMEZONE): returns, those ACCEPTED,
-- the refunds asked and accepted, and the units returned (return_items.amount).
with units as (
    select return_sn, sum(quantity) as units
    from {{ ref('stg_return_items') }}
    group by return_sn
)

select
    r.shop_id,
    r.return_date,
    r.currency,
    count(*) as returns,
    count(*) filter (where r.is_accepted) as accepted_returns,
    coalesce(sum(r.refund_amount), 0) as refund_requested,
    coalesce(sum(r.refund_amount) filter (where r.is_accepted), 0) as refund_accepted,
    coalesce(sum(u.units), 0) as units_returned
from {{ ref('stg_returns') }} as r
left join units as u on u.return_sn = r.return_sn
group by r.shop_id, r.return_date, r.currency
