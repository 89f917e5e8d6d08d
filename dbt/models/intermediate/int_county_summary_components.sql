-- County summary returns (any level) as sector × source volumes in m³, with the method behind them.
with summary_rows as (
    select
        report_year, region_code, sub_sector_zh, water_source_zh,
        volume_m3,
        case method_zh
            when '典型调查推算' then 'sample_extrapolated'
            when '定额推算' then 'quota_estimated'
            when '工程计量' then 'metered'
            else 'reported'
        end as method
    from {{ ref('stg_raw__county_summary_returns') }}
),

summary_margins as (
    -- a summary may give sector totals (no source), source totals (no sector), or both
    select
        region_code,
        report_year,
        {{ exact_sum("case when water_source_zh is null then volume_m3 end") }} as sector_margin_m3,
        {{ exact_sum("case when sub_sector_zh is null then volume_m3 end") }} as source_margin_m3
    from summary_rows
    group by region_code, report_year
)

-- sector × source rows as they are
select report_year, region_code, sub_sector_zh, water_source_zh, volume_m3, method
from summary_rows
where sub_sector_zh is not null and water_source_zh is not null
union all
-- a sector total: split over the source totals when they are given (each margin kept exactly),
-- else its source is not stated
select s.report_year, s.region_code, s.sub_sector_zh, coalesce(k.water_source_zh, '未分水源'),
       s.volume_m3 * coalesce(k.volume_m3 / nullif(m.source_margin_m3, 0), 1), s.method
from summary_rows as s
join summary_margins as m using (region_code, report_year)
left join summary_rows as k
    on k.region_code = s.region_code and k.report_year = s.report_year
   and k.sub_sector_zh is null and k.water_source_zh is not null
where s.sub_sector_zh is not null and s.water_source_zh is null
union all
-- a source total with no sector totals beside it: its sector is not stated
select k.report_year, k.region_code, '未分行业', k.water_source_zh, k.volume_m3, k.method
from summary_rows as k
join summary_margins as m using (region_code, report_year)
where k.sub_sector_zh is null and k.water_source_zh is not null and m.sector_margin_m3 is null
