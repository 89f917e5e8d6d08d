-- Industrial water per unit, sub-sector and source, in m³, 自来水 included (int_public_supply_components
-- attributes it to the surface and ground water public supply withdrew), unconventional water by
-- type (an untyped return's as 非常规水 → 其他非常规水). Industry = enumerated above-scale firms +
-- extrapolation for the rest (int_industry_extrapolation), unless var industry_extrapolation is
-- false, when the surveyed firms are simply summed.
-- Chinese column names are quoted as each engine quotes them (Spark: backticks; dbt-spark turns
-- ANSI mode, and with it double-quoted identifiers, off).
{% set q = adapter.quote %}
with firm_sources as (
    select
        report_year, region_code, uscc as reporting_unit_id, is_above_scale,
        case when is_once_through_cooling then '火(核)电直流冷却' else '一般工业' end as sub_sector_zh,
        new_water_surface_m3 as {{ q('地表水') }},
        new_water_ground_m3 as {{ q('地下水') }},
        new_water_tap_m3 as {{ q('自来水') }},
        new_water_reclaimed_m3 as {{ q('再生水') }},
        new_water_rain_m3 as {{ q('集蓄雨水') }},
        new_water_desalinated_m3 as {{ q('海水淡化水') }},
        new_water_brackish_m3 as {{ q('微咸水') }},
        new_water_mine_m3 as {{ q('矿坑水') }},
        new_water_unconventional_untyped_m3 as {{ q('非常规水') }}
    from {{ ref('stg_raw__industrial_returns') }}
),

firm_parts as (
    -- names as in seeds/water_source_map.csv; the standard UNPIVOT both engines read (nulls dropped)
    select * from firm_sources
    unpivot (volume_m3 for water_source_zh in
             ({{ q('地表水') }}, {{ q('地下水') }}, {{ q('自来水') }}, {{ q('再生水') }}, {{ q('集蓄雨水') }},
              {{ q('海水淡化水') }}, {{ q('微咸水') }}, {{ q('矿坑水') }}, {{ q('非常规水') }}))
)

select report_year, region_code, reporting_unit_id, sub_sector_zh, water_source_zh, volume_m3,
       'enumerated_report' as method, 'industrial_returns' as origin
from firm_parts
{%- if var('industry_extrapolation') %}
where is_above_scale
union all
-- the extrapolated volume split by the sample's own source mix
select e.report_year, e.region_code, 'extrapolated', '一般工业', s.water_source_zh,
       e.extrapolated_m3 * s.sample_m3 / nullif(e.sample_water_m3, 0), 'sample_extrapolated', 'industrial_returns'
from {{ ref('int_industry_extrapolation') }} as e
join (
    select region_code, report_year, water_source_zh, {{ exact_sum("volume_m3") }} as sample_m3
    from firm_parts
    where not is_above_scale
    group by all
) as s using (region_code, report_year)
{%- endif %}
