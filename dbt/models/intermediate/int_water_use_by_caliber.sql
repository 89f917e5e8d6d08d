-- Statistical total and assessment-caliber total per region and year. The caliber rule for a
-- region and year comes from seeds/assessment_calibers.csv (an exact region code beats '*'):
--   W_kh = W_stat − [非常规 if excluded] − [直流冷却 if excluded] + [平水年 adjustment if applied]
-- (METHODS §2.3). Industry under each caliber follows the same cooling rule.
with use_ as (
    select * from {{ ref('mart_water_use_by_region') }}
),

rules as (
    select
        u.region_code,
        u.report_year,
        r.caliber_name_zh,
        r.exclude_unconventional,
        r.exclude_once_through_cooling,
        r.apply_normal_year_adjustment
    from use_ as u
    join {{ ref('assessment_calibers') }} as r
        on (r.region_code = u.region_code or r.region_code = '*')
       and u.report_year between r.valid_from_year and r.valid_to_year
    qualify row_number() over (partition by u.region_code, u.report_year
                               order by (r.region_code = u.region_code) desc) = 1
),

adjustments as (
    select region_code, report_year, sum(adjustment_m3) as adjustment_m3
    from {{ ref('normal_year_adjustments') }}
    group by region_code, report_year
)

select
    u.region_code,
    u.report_year,
    c.caliber,
    case c.caliber when 'statistical' then '统计口径' else coalesce(r.caliber_name_zh, '考核口径') end as caliber_name_zh,
    case when c.caliber = 'statistical' then u.total_m3
         else u.total_m3
              - case when r.exclude_unconventional then u.unconventional_m3 else 0 end
              - case when r.exclude_once_through_cooling then u.once_through_cooling_m3 else 0 end
              + case when r.apply_normal_year_adjustment then coalesce(a.adjustment_m3, 0) else 0 end
    end as total_m3,
    case when c.caliber = 'assessment' and r.exclude_once_through_cooling
         then u.industry_m3 - u.once_through_cooling_m3 else u.industry_m3 end as industry_m3,
    u.unconventional_m3,
    u.once_through_cooling_m3,
    coalesce(a.adjustment_m3, 0) as normal_year_adjustment_m3
from use_ as u
cross join (values ('statistical'), ('assessment')) as c(caliber)
left join rules as r using (region_code, report_year)
left join adjustments as a using (region_code, report_year)
