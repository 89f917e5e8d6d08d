{# Casting helpers for staging. Raw columns arrive as text exactly as received; the parsing
   itself is done by the ws_* functions (macros/ws_functions.sql), which the loader also uses for
   its row checks, so load-time validation and staging casts agree. #}

{% macro to_number(col) -%} ws_parse_number({{ col }}) {%- endmacro %}
{% macro to_int(col) -%} ws_parse_int({{ col }}) {%- endmacro %}
{% macro to_date(col) -%} ws_parse_date({{ col }}) {%- endmacro %}
{% macro zh_flag(col) -%} ws_parse_flag({{ col }}) {%- endmacro %}
{% macro to_cst_timestamp(col) -%} ws_parse_cst_timestamp({{ col }}) {%- endmacro %}
{% macro volume_unit(col) -%} ws_volume_unit({{ col }}) {%- endmacro %}
{% macro is_valid_uscc(col) -%} ws_is_valid_uscc({{ col }}) {%- endmacro %}

{#- A volume as received, in m³: staging is the one place units are converted (a later model
    never converts again). `unit_col` holds the unit as written (m³, 万m³, 亿m³, 立方米…). -#}
{% macro to_m3(col, unit_col='volume_unit') -%}
    ({{ to_number(col) }} * case {{ volume_unit(unit_col) }} when '万m³' then 1e4 when '亿m³' then 1e8 when 'm³' then 1 end)
{%- endmacro %}

