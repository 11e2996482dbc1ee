{#- The calendar day of a timestamptz in SHOPEE_TIMEZONE (default Asia/Jakarta), the zone in which
    the pipeline's partitions begin and end. -#}
{% macro shop_local_date(column) -%}
    (({{ column }}) at time zone '{{ env_var("SHOPEE_TIMEZONE", "Asia/Jakarta") }}')::date
{%- endmacro %}
