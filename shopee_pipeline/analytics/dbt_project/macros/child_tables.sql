{#- A table the sync writes beside its parent's (escrow_items beside escrow, ...), in the sources'
    schema; the model reading it declares `-- depends_on: {{ source('shopee', parent) }}`, the asset
    that writes both. -#}
{% macro shopee_child_table(name) -%}
    {{ api.Relation.create(database=target.database, schema=env_var('SHOPEE_DB_SCHEMA', 'shopee'), identifier=name) }}
{%- endmacro %}
