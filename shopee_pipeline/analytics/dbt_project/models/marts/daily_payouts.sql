-- Per shop and day: the escrows released that day (get_escrow_list) against the escrow credits the
-- wallet received that day; credits_match_releases says they are equal within 0.01.
with released as (
    select shop_id, release_date as day, count(*) as releases, sum(payout_amount) as released_amount
    from {{ ref('stg_escrow_releases') }}
    group by 1, 2
),

credited as (
    select shop_id, transaction_date as day, count(*) as credits, sum(amount) as credited_amount
    from {{ ref('stg_wallet_transactions') }}
    where is_escrow_credit
    group by 1, 2
)

select
    coalesce(r.shop_id, c.shop_id) as shop_id,
    coalesce(r.day, c.day) as payout_date,
    coalesce(r.releases, 0) as releases,
    coalesce(r.released_amount, 0) as released_amount,
    coalesce(c.credits, 0) as credits,
    coalesce(c.credited_amount, 0) as credited_amount,
    abs(coalesce(r.released_amount, 0) - coalesce(c.credited_amount, 0)) <= 0.01 as credits_match_releases
from released as r
full outer join credited as c on c.shop_id = r.shop_id and c.day = r.day
