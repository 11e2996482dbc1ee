-- Each wallet transaction beside the one before it in its shop's wallet (by create_time, then
-- transaction_id): balance_follows says whether current_balance is the previous balance plus this amount
-- (WITHDRAWAL_COMPLETED and FAILED rows move nothing). The first synced row of a shop has no previous.
with ordered as (
    select
        t.*,
        lag(current_balance) over (
            partition by shop_id
            order by create_time, length(transaction_id), transaction_id
        ) as previous_balance
    from {{ ref('stg_wallet_transactions') }} as t
)

select
    transaction_id,
    shop_id,
    create_time,
    transaction_date,
    transaction_type,
    status,
    order_sn,
    amount,
    previous_balance,
    current_balance,
    case
        when transaction_type = 'WITHDRAWAL_COMPLETED' or status = 'FAILED' then 0 else amount
    end as balance_change,
    previous_balance is null
        or previous_balance + case
            when transaction_type = 'WITHDRAWAL_COMPLETED' or status = 'FAILED' then 0 else amount
        end = current_balance as balance_follows
from ordered
