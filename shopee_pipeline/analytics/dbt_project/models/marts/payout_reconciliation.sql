-- Per paid order (COMPLETED, or credited by the wallet): what the escrow says Shopee owes, what the wallet
-- credited for it and when, and the status: paid (credited equals expected within 0.01), amount_mismatch
-- (credited, another amount), awaiting_release (nothing credited, within release_grace_days after the
-- order completed) or overdue (nothing credited after that). Shopee sends no completion time: an order's
-- completed_at is its update_time once COMPLETED (its last change). The grace is measured against
-- as_of: the var `as_of` (a timestamp; env SHOPEE_MARTS_AS_OF) or, unset, the time of the build.
{%- set as_of = var('as_of') %}
{%- set now = "'" ~ as_of ~ "'::timestamptz" if as_of else 'current_timestamp' %}
with credits as (
    select
        order_sn,
        sum(amount) as credited_amount,
        max(create_time) as credited_at
    from {{ ref('stg_wallet_transactions') }}
    where is_escrow_credit and order_sn is not null
    group by order_sn
),

paid as (
    select
        o.order_sn,
        o.shop_id,
        o.order_date,
        o.currency,
        o.order_status,
        case when o.order_status = 'COMPLETED' then o.update_time end as completed_at
    from {{ ref('stg_orders') }} as o
    where o.order_status = 'COMPLETED' or o.order_sn in (select order_sn from credits)
)

select
    p.order_sn,
    p.shop_id,
    p.order_date,
    p.currency,
    p.order_status,
    p.completed_at,
    p.completed_at + make_interval(days => {{ var('release_grace_days') | int }}) as due_at,
    e.escrow_amount as expected_payout,
    c.credited_amount,
    c.credited_at,
    r.payout_amount as released_amount,
    r.escrow_release_time,
    c.credited_at > p.completed_at + make_interval(days => {{ var('release_grace_days') | int }})
        as credited_late,
    case
        when c.order_sn is not null and abs(c.credited_amount - e.escrow_amount) <= 0.01 then 'paid'
        when c.order_sn is not null then 'amount_mismatch'
        when {{ now }} <= p.completed_at + make_interval(days => {{ var('release_grace_days') | int }})
            then 'awaiting_release'
        else 'overdue'
    end as status
from paid as p
left join {{ ref('stg_escrow') }} as e on e.order_sn = p.order_sn
left join credits as c on c.order_sn = p.order_sn
left join {{ ref('stg_escrow_releases') }} as r on r.order_sn = p.order_sn
