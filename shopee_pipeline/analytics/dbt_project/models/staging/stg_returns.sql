-- One row per return/refund request, with its day in SHOPEE_TIMEZONE.
select
    return_sn,
    order_sn,
    shop_id,
    status,
    status = 'ACCEPTED' as is_accepted,
    reason,
    refund_amount,
    amount_before_discount,
    currency,
    create_time,
    {{ shop_local_date('create_time') }} as return_date,
    update_time,
    due_date,
    needs_logistics,
    return_refund_type,
    return_solution
from {{ source('shopee', 'returns') }}
