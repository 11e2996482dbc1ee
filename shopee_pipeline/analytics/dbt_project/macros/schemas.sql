{#- A model's schema is exactly its folder's `+schema` (dbt's default would prefix the target's). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
