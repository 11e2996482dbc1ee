-- One row per product (deleted ones kept with their status).
select
    item_id,
    shop_id,
    item_name,
    item_sku,
    item_status,
    item_status in ('SELLER_DELETE', 'SHOPEE_DELETE') as is_deleted,
    category_id,
    has_model,
    create_time,
    update_time
from {{ source('shopee', 'items') }}
