-- Intensities and their declines per region, year and caliber (METHODS §2.2). Levels at current
-- prices; declines at comparable prices: against the base year of the report year's plan period
-- (deployment.base_years; every other base: int_intensity_declines_by_base) and against the year
-- before, from the 上年=100 volume indices, never from current-price levels. Industry uses the
-- industrial VA index. A code's series includes the economy of the codes it succeeded (their
-- figures roll into it; int_region_rollup).
with yoy as (
    select
        c.region_code,
        c.report_year,
        c.caliber,
        c.total_m3,
        c.industry_m3,
        e.gdp_100m_yuan,
        e.gdp_index_prev_year_100,
        e.industry_va_100m_yuan,
        e.industry_va_index_prev_year_100,
        lag(c.report_year) over by_region as prev_year,
        lag(c.total_m3) over by_region as prev_total_m3,
        lag(c.industry_m3) over by_region as prev_industry_m3
    from {{ ref('int_water_use_by_caliber') }} as c
    left join {{ ref('int_region_economy_series') }} as e using (region_code, report_year)
    window by_region as (partition by c.region_code, c.caliber order by c.report_year)
)

select
    y.region_code,
    y.report_year,
    y.caliber,
    b.base_year,
    y.total_m3 / nullif(y.gdp_100m_yuan * 1e4, 0) as m3_per_10k_yuan_gdp,
    y.industry_m3 / nullif(y.industry_va_100m_yuan * 1e4, 0) as m3_per_10k_yuan_industry_va,
    b.m3_per_10k_yuan_gdp_decline_vs_base_pct,
    case when y.prev_year = y.report_year - 1
         then (1 - (y.total_m3 / nullif(y.prev_total_m3, 0)) / (y.gdp_index_prev_year_100 / 100)) * 100 end
        as m3_per_10k_yuan_gdp_decline_yoy_pct,
    b.m3_per_10k_yuan_industry_va_decline_vs_base_pct,
    case when y.prev_year = y.report_year - 1
         then (1 - (y.industry_m3 / nullif(y.prev_industry_m3, 0)) / (y.industry_va_index_prev_year_100 / 100)) * 100 end
        as m3_per_10k_yuan_industry_va_decline_yoy_pct,
    b.gdp_volume_vs_base,
    b.industry_va_volume_vs_base
from yoy as y
left join {{ ref('int_intensity_declines_by_base') }} as b
    on b.region_code = y.region_code and b.report_year = y.report_year and b.caliber = y.caliber and b.is_plan_base
