{# Casting helpers for staging: raw columns arrive as text exactly as received. #}

{% macro to_number(col) -%}
    try_cast(nullif(trim({{ col }}), '') as double)
{%- endmacro %}

{% macro to_int(col) -%}
    try_cast(try_cast(nullif(trim({{ col }}), '') as double) as integer)
{%- endmacro %}

{% macro to_date(col) -%}
    coalesce(try_cast(left(trim({{ col }}), 10) as date),
             try_strptime(trim({{ col }}), ['%Y/%-m/%-d', '%Y年%-m月%-d日', '%Y%m%d'])::date)
{%- endmacro %}

{% macro zh_flag(col) -%}
    case when trim({{ col }}) in ('是', 'Y', 'y', '1', 'true', 'TRUE') then true
         when trim({{ col }}) in ('否', 'N', 'n', '0', 'false', 'FALSE') then false end
{%- endmacro %}

{#- Platform timestamps: China Standard Time wall clock, or ISO 8601 with an offset (any offset
    is converted to CST, since the platform's day boundaries are Beijing time). -#}
{% macro to_cst_timestamp(col) -%}
    coalesce(
        try_strptime(trim({{ col }}), ['%Y/%-m/%-d %-H:%M', '%Y/%-m/%-d %-H:%M:%S', '%Y-%m-%d %H:%M:%S',
                                        '%Y-%m-%d %H:%M', '%Y-%m-%dT%H:%M:%S']),
        make_timestamp(epoch_us(try_strptime(trim({{ col }}), '%Y-%m-%dT%H:%M:%S%z')) + 8 * 3600 * 1000000::bigint)
    )
{%- endmacro %}

{#- Unit text as written on a return (m³, m3, 立方米, 万m³, 万立方米, 亿m³) → canonical unit. -#}
{% macro volume_unit(col) -%}
    case replace(replace(replace(lower(trim(coalesce({{ col }}, 'm³'))), '立方米', 'm³'), 'm3', 'm³'), ' ', '')
        when '万m³' then '万m³' when '亿m³' then '亿m³' when 'm³' then 'm³' end
{%- endmacro %}

{% macro to_m3(value, unit) -%}
    ({{ value }}) * case {{ unit }} when '万m³' then 1e4 when '亿m³' then 1e8 when 'm³' then 1 end
{%- endmacro %}
