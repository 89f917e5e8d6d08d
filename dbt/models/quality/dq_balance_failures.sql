-- Balance checks on the figures a bulletin prints: sectors and sources add up to the total, a
-- summary's two margins agree, a region's total moves within dq_yoy_max_change_pct, suppliers'
-- sales to industry match firms' tap water. One row per failing item. (The indicators' ranges and
-- peers: dq_plausibility_failures.)
with use_ as (
    select * from {{ ref('mart_water_use_by_region') }}
)

select 'sectors_sum_to_total' as check_name, report_year, region_code,
       -- figures as text by engine.sql's macros: printf rounds differently on each engine
       '合计 ' || {{ fixed_decimals('total_m3', 0) }} || ' m³，分行业之和 '
           || {{ fixed_decimals('agriculture_m3 + industry_m3 + domestic_m3 + ecological_m3 + unspecified_sector_m3', 0) }}
           || ' m³' as detail
from use_
where abs(total_m3 - (coalesce(agriculture_m3, 0) + coalesce(industry_m3, 0) + coalesce(domestic_m3, 0)
                      + coalesce(ecological_m3, 0) + unspecified_sector_m3)) > 1

union all
select 'sources_sum_to_total', report_year, region_code,
       '用水 ' || {{ fixed_decimals('total_m3', 0) }} || ' m³，供水 '
           || {{ fixed_decimals('surface_m3 + ground_m3 + unconventional_m3 + unspecified_source_m3', 0) }} || ' m³'
from use_
where abs(total_m3 - (surface_m3 + ground_m3 + unconventional_m3 + unspecified_source_m3)) > 1

union all
-- a summary with both sector totals and source totals: they must describe the same total
select 'summary_margins_agree', report_year, region_code,
       '分行业合计 ' || {{ fixed_decimals('sector_m3', 0) }} || ' m³，分水源合计 ' || {{ fixed_decimals('source_m3', 0) }} || ' m³'
from (
    select report_year, region_code,
           {{ exact_sum("case when water_source_zh is null then volume_m3 end") }} as sector_m3,
           {{ exact_sum("case when sub_sector_zh is null then volume_m3 end") }} as source_m3
    from {{ ref('stg_raw__county_summary_returns') }}
    group by report_year, region_code
) as m
where abs(sector_m3 - source_m3) > greatest(1, 0.001 * greatest(sector_m3, source_m3))

union all
select 'yoy_change_beyond_bound', report_year, region_code,
       '较上年变化 ' || {{ fixed_decimals('(' ~ float_divide('total_m3', 'prev_total_m3') ~ ' - 1) * 100', 1) }} || '%'
from (select *, lag(total_m3) over (partition by region_code order by report_year) as prev_total_m3,
             lag(report_year) over (partition by region_code order by report_year) as prev_year from use_)
where prev_year = report_year - 1
  and abs({{ float_divide('total_m3', 'prev_total_m3') }} - 1) * 100 > {{ var('dq_yoy_max_change_pct') }}

union all
select 'tap_sales_mismatch', s.report_year, s.region_code,
       '售工业 ' || {{ fixed_decimals('s.sales_m3', 0) }} || ' m³，企业自来水 ' || {{ fixed_decimals('t.tap_m3', 0) }} || ' m³'
from (select report_year, region_code, {{ exact_sum("sales_industry_m3") }} as sales_m3
      from {{ ref('int_public_supply_balance') }} group by all) as s
join (select report_year, region_code, {{ exact_sum("volume_m3") }} as tap_m3  -- the firms' tap water, extrapolation included
      from {{ ref('int_industrial_components') }} where water_source_zh = '自来水' group by all) as t
    using (report_year, region_code)
where abs(s.sales_m3 - t.tap_m3) > {{ var('dq_tap_sales_tolerance_pct') }} / 100 * greatest(s.sales_m3, t.tap_m3)
