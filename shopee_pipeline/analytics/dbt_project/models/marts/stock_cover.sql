-- Per variation of a product not deleted: the stock now (item_models.stock), the units sold over the last
-- 14 days up to as_of's day (sku_daily; var `as_of` / env SHOPEE_MARTS_AS_OF, else the build's day) and
-- the days of stock left at that pace (null when nothing sold).
{%- set as_of = var('as_of') %}
{%- set today = shop_local_date("'" ~ as_of ~ "'::timestamptz" if as_of else 'current_timestamp') %}
with recent as (
    select shop_id, item_id, model_id, sum(units) as units
    from {{ ref('sku_daily') }}
    where day > {{ today }} - 14 and day <= {{ today }}
    group by 1, 2, 3
)

select
    m.shop_id,
    m.item_id,
    m.model_id,
    i.item_name,
    coalesce(nullif(m.model_sku, ''), i.item_sku) as sku,
    m.stock,
    coalesce(r.units, 0) as units_last_14_days,
    coalesce(r.units, 0) / 14.0 as daily_sales,
    m.stock / nullif(coalesce(r.units, 0) / 14.0, 0) as days_of_stock
from {{ ref('stg_item_models') }} as m
join {{ ref('stg_items') }} as i on i.item_id = m.item_id
left join recent as r on r.shop_id = m.shop_id and r.item_id = m.item_id and r.model_id = m.model_id
where not i.is_deleted
