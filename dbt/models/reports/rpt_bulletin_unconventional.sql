-- 公报 非常规水源利用 table: per report row and year, unconventional water by type and in total in
-- 万m³, its share of total supply (%) and the change on the previous year (percentage points), and
-- 再生水利用率 (%) from the wastewater treatment plants.
with by_type as (
    select
        region_code,
        report_year,
        {% for code, zh in [('reclaimed', '再生水'), ('rain', '集蓄雨水'), ('desalinated', '海水淡化水'),
                            ('brackish', '微咸水'), ('mine', '矿坑(井)水'), ('other', '其他非常规水')] -%}
        coalesce({{ exact_sum("volume_m3", where="unconventional_type_zh = '" ~ zh ~ "'") }}, 0) as {{ code }}_m3
        {%- if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref('fct_unconventional_water') }}
    group by region_code, report_year
)

select
    {{ report_row_columns('s') }},
    s.has_source_split,
    coalesce(t.reclaimed_m3, 0) / 1e4 as reclaimed_10k_m3,
    coalesce(t.rain_m3, 0) / 1e4 as rain_10k_m3,
    coalesce(t.desalinated_m3, 0) / 1e4 as desalinated_10k_m3,
    coalesce(t.brackish_m3, 0) / 1e4 as brackish_10k_m3,
    coalesce(t.mine_m3, 0) / 1e4 as mine_10k_m3,
    coalesce(t.other_m3, 0) / 1e4 as other_10k_m3,
    s.unconventional_m3 / 1e4 as unconventional_10k_m3,
    s.share_pct as unconventional_share_pct,
    s.share_change_pp as unconventional_share_change_pp,
    w.reclaimed_use_rate_pct
from {{ ref('fct_unconventional_share') }} as s
left join by_type as t using (region_code, report_year)
left join {{ ref('fct_reclaimed_water') }} as w using (region_code, report_year)
{{ join_report_rows('s') }}
