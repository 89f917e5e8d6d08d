{# Casting helpers for staging. Raw columns arrive as text exactly as received; the parsing
   itself is done by the ws_* DuckDB macros (dagster_project/sql/functions.sql), which the loader
   also uses for its row checks, so load-time validation and staging casts agree. #}

{% macro to_number(col) -%} ws_parse_number({{ col }}) {%- endmacro %}
{% macro to_int(col) -%} ws_parse_int({{ col }}) {%- endmacro %}
{% macro to_date(col) -%} ws_parse_date({{ col }}) {%- endmacro %}
{% macro zh_flag(col) -%} ws_parse_flag({{ col }}) {%- endmacro %}
{% macro to_cst_timestamp(col) -%} ws_parse_cst_timestamp({{ col }}) {%- endmacro %}
{% macro volume_unit(col) -%} ws_volume_unit({{ col }}) {%- endmacro %}
{% macro is_valid_uscc(col) -%} ws_is_valid_uscc({{ col }}) {%- endmacro %}

{% macro to_m3(value, unit) -%}
    ({{ value }}) * case {{ unit }} when '万m³' then 1e4 when '亿m³' then 1e8 when 'm³' then 1 end
{%- endmacro %}

{#- Days in a report year for L/(人·d): var days_in_year_rule = calendar | fixed_365. -#}
{% macro days_in_year(year_col) -%}
    {%- if var('days_in_year_rule') == 'fixed_365' -%} 365
    {%- else -%} (case when ({{ year_col }} % 4 = 0 and {{ year_col }} % 100 <> 0) or {{ year_col }} % 400 = 0
                       then 366 else 365 end)
    {%- endif -%}
{%- endmacro %}
