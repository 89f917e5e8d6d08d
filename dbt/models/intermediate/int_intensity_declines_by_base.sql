-- Declines of the two intensities against every base year the deployment names for a region and
-- year (int_intensity_bases), at comparable prices (METHODS §2.2): the GDP and industrial VA
-- volumes are chained from the 上年=100 indices of every year after the base up to the report year,
-- never from current-price levels; the water use is the base year's own total (or, for a base year
-- the warehouse holds no returns for, the figure the plan fixed: deployment.base_year_water_use).
-- A code's series includes the economy of the codes it succeeded (int_region_rollup).
with base_spans as (
    select region_code, base_year, max(report_year) as last_year
    from {{ ref('int_intensity_bases') }}
    group by all
),

chained as (
    -- the volume of year t relative to each base (= 1 in the base year), in year order
    select
        s.region_code,
        s.base_year,
        e.report_year,
        exp(sum(case when e.report_year > s.base_year then ln(e.gdp_index_prev_year_100 / 100) else 0 end)
            over by_year) as gdp_volume_vs_base,
        exp(sum(case when e.report_year > s.base_year then ln(e.industry_va_index_prev_year_100 / 100) else 0 end)
            over by_year) as industry_va_volume_vs_base,
        count(case when e.report_year > s.base_year then e.gdp_index_prev_year_100 end) over by_year as n_gdp_indices,
        count(case when e.report_year > s.base_year then e.industry_va_index_prev_year_100 end) over by_year
            as n_industry_va_indices
    from base_spans as s
    join {{ ref('int_region_economy_series') }} as e
        on e.region_code = s.region_code and e.report_year between s.base_year and s.last_year
    window by_year as (partition by s.region_code, s.base_year order by e.report_year
                       rows between unbounded preceding and current row)
),

base_use as (
    select region_code, report_year as base_year, caliber, total_m3, industry_m3, 'returns' as base_use_origin
    from {{ ref('int_water_use_by_caliber') }}
    union all  -- the same columns in the same order (Spark has no union by name)
    select region_code, base_year, caliber, total_m3, industry_m3, 'deployment' as base_use_origin
    from {{ source('deployment', 'base_year_water_use') }} as d
    where not exists (select 1 from {{ ref('int_water_use_by_caliber') }} as c
                      where c.region_code = d.region_code and c.report_year = d.base_year and c.caliber = d.caliber)
)

select
    c.region_code,
    c.report_year,
    c.caliber,
    b.base_year,
    b.is_plan_base,
    b.note as base_note,
    u.base_use_origin,
    u.total_m3 as base_total_m3,
    u.industry_m3 as base_industry_m3,
    case when k.n_gdp_indices = c.report_year - b.base_year
         then (1 - (c.total_m3 / nullif(u.total_m3, 0)) / k.gdp_volume_vs_base) * 100 end
        as m3_per_10k_yuan_gdp_decline_vs_base_pct,
    case when k.n_industry_va_indices = c.report_year - b.base_year
         then (1 - (c.industry_m3 / nullif(u.industry_m3, 0)) / k.industry_va_volume_vs_base) * 100 end
        as m3_per_10k_yuan_industry_va_decline_vs_base_pct,
    k.gdp_volume_vs_base,
    k.industry_va_volume_vs_base
from {{ ref('int_water_use_by_caliber') }} as c
join {{ ref('int_intensity_bases') }} as b using (region_code, report_year)
left join chained as k using (region_code, base_year, report_year)
left join base_use as u on u.region_code = c.region_code and u.base_year = b.base_year and u.caliber = c.caliber
