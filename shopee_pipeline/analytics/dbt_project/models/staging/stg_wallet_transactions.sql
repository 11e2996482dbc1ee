-- One row per wallet transaction, with its day in SHOPEE_TIMEZONE; amount is signed (negative debits).
select
    transaction_id,
    shop_id,
    create_time,
    {{ shop_local_date('create_time') }} as transaction_date,
    transaction_type,
    amount,
    current_balance,
    status,
    nullif(order_sn, '') as order_sn,
    withdrawal_id,
    reason,
    transaction_type in (
        'ESCROW_VERIFIED_ADD', 'ESCROW_VERIFIED_MINUS', 'FAST_ESCROW_DISBURSE', 'FAST_ESCROW_DISBURSE_REMAIN'
    ) and coalesce(status, 'COMPLETED') <> 'FAILED' as is_escrow_credit
from {{ source('shopee', 'wallet_transactions') }}
