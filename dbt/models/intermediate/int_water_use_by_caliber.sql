-- Statistical and assessment-caliber totals per region and year. The caliber rule for a region
-- and year comes from the deployment's assessment_calibers (an exact region code beats '*'):
--   W_kh = W_stat − Σ excluded components + [平水年 adjustment if applied]      (METHODS §2.3)
-- where a component is an unconventional source (海水淡化水, 再生水, …) or a power-plant sub-sector
-- (火(核)电直流冷却, 火(核)电循环冷却), by the names in water_source_map and sector_map; a volume
-- that is both (cooling with reclaimed water) is left out once. Industry follows the same rule.
with use_ as (
    select * from {{ ref('mart_water_use_by_region') }}
),

rules as (
    select
        u.region_code,
        u.report_year,
        r.caliber_name_zh,
        '|' || coalesce(r.excluded_components, '') || '|' as excluded_list,
        r.apply_normal_year_adjustment,
        -- which kinds of component it excludes, by the shared source and sector maps
        exists (select 1 from {{ ref('water_source_map') }} as ws where ws.source_type = 'unconventional'
                and '|' || coalesce(r.excluded_components, '') || '|' like '%|' || ws.water_source_zh || '|%')
            as excludes_a_source,
        exists (select 1 from {{ ref('sector_map') }} as sm where sm.sector_code = 'industry'
                and '|' || coalesce(r.excluded_components, '') || '|' like '%|' || sm.sub_sector_zh || '|%')
            as excludes_an_industry_part
    from use_ as u
    join {{ source('deployment', 'assessment_calibers') }} as r
        on (r.region_code = u.region_code or r.region_code = '*')
       and u.report_year between r.valid_from_year and r.valid_to_year
    qualify row_number() over (partition by u.region_code, u.report_year
                               order by (r.region_code = u.region_code) desc) = 1
),

excluded as (
    select
        r.region_code,
        r.report_year,
        {{ exact_sum("f.volume_m3") }} as excluded_m3,
        coalesce({{ exact_sum("case when f.sector_code = 'industry' then f.volume_m3 end") }}, 0) as excluded_industry_m3
    from rules as r
    join {{ ref('int_region_rollup') }} as ro on ro.region_code = r.region_code
    join {{ ref('fct_water_use') }} as f
        on f.region_code = ro.member_region_code and f.report_year = r.report_year
    left join {{ ref('water_source_map') }} as ws
        on f.source_type = 'unconventional' and f.unconventional_type_zh = ws.unconventional_type_zh
    left join {{ ref('sector_map') }} as sm on f.sub_sector_code = sm.sub_sector_code
    where r.excluded_list like '%|' || ws.water_source_zh || '|%'
       or r.excluded_list like '%|' || sm.sub_sector_zh || '|%'
    group by r.region_code, r.report_year
),

adjustments as (
    select region_code, report_year, {{ exact_sum("adjustment_m3") }} as adjustment_m3
    from {{ source('deployment', 'normal_year_adjustments') }}
    group by region_code, report_year
)

select
    u.region_code,
    u.report_year,
    c.caliber,
    case c.caliber when 'statistical' then '统计口径' else coalesce(r.caliber_name_zh, '考核口径') end as caliber_name_zh,
    case when c.caliber = 'statistical' then u.total_m3
         -- an excluded component a summary does not separate (no sources, or an undivided 工业):
         -- the assessment total is not available rather than silently the statistical one
         when (r.excludes_a_source and not u.has_source_split)
           or (r.excludes_an_industry_part and not (u.has_sector_split and u.has_industry_split)) then null
         else u.total_m3 - coalesce(x.excluded_m3, 0)
              + case when r.apply_normal_year_adjustment then coalesce(a.adjustment_m3, 0) else 0 end
    end as total_m3,
    case when not u.has_sector_split then null  -- part of the use has no sector: industry unknown
         when c.caliber = 'statistical' then u.industry_m3
         else u.industry_m3 - coalesce(x.excluded_industry_m3, 0) end as industry_m3,
    coalesce(x.excluded_m3, 0) as excluded_m3,
    u.unconventional_m3,
    u.once_through_cooling_m3,
    coalesce(a.adjustment_m3, 0) as normal_year_adjustment_m3
from use_ as u
cross join (values ('statistical'), ('assessment')) as c(caliber)
left join rules as r using (region_code, report_year)
left join excluded as x using (region_code, report_year)
left join adjustments as a using (region_code, report_year)
