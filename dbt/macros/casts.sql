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

{#- Days in a report year for L/(人·d): var days_in_year_rule = calendar | fixed_365. -#}
{% macro days_in_year(year_col) -%}
    {%- if var('days_in_year_rule') == 'fixed_365' -%} 365
    {%- else -%} (case when ({{ year_col }} % 4 = 0 and {{ year_col }} % 100 <> 0) or {{ year_col }} % 400 = 0
                       then 366 else 365 end)
    {%- endif -%}
{%- endmacro %}

{#- GB 32100-2015 check character of an 18-character USCC, in SQL (mirrors lib/codes.py). -#}
{% macro is_valid_uscc(col) -%}
    (length({{ col }}) = 18
     and regexp_full_match({{ col }}, '[0-9A-HJ-NPQRTUWXY]{18}')
     and substr('0123456789ABCDEFGHJKLMNPQRTUWXY',
                (31 - list_sum(list_transform(range(17), i ->
                    (instr('0123456789ABCDEFGHJKLMNPQRTUWXY', substr({{ col }}, i + 1, 1)) - 1)
                    * [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28][i + 1]))::bigint % 31) % 31 + 1, 1)
         = substr({{ col }}, 18, 1))
{%- endmacro %}
