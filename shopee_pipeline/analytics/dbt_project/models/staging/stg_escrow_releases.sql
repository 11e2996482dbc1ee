-- One row per released escrow, with its day in SHOPEE_TIMEZONE.
select
    order_sn,
    shop_id,
    payout_amount,
    escrow_release_time,
    {{ shop_local_date('escrow_release_time') }} as release_date
from {{ source('shopee', 'escrow_releases') }}
