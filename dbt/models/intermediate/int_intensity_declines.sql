-- Intensities and their declines per region, year and caliber (METHODS §2.2). Levels at current
-- prices; declines at comparable prices by chaining the 上年=100 volume indices from the base
-- year, never from current-price levels. Industry uses the industrial VA index.
with inputs as (
    select
        c.region_code,
        c.report_year,
        c.caliber,
        c.total_m3,
        c.industry_m3,
        e.gdp_100m_yuan,
        e.gdp_index_prev_year_100,
        e.industry_va_100m_yuan,
        e.industry_va_index_prev_year_100
    from {{ ref('int_water_use_by_caliber') }} as c
    left join {{ ref('int_region_economy') }} as e using (region_code, report_year)
    where c.report_year >= {{ var('base_year') }}
),

chained as (
    select
        *,
        -- volume of year t relative to the base year (= 1 in the base year)
        exp(sum(case when report_year > {{ var('base_year') }} then ln(gdp_index_prev_year_100 / 100) else 0 end)
            over by_year) as gdp_volume_vs_base,
        exp(sum(case when report_year > {{ var('base_year') }} then ln(industry_va_index_prev_year_100 / 100) else 0 end)
            over by_year) as industry_va_volume_vs_base,
        count(*) over by_year - 1 as n_years_chained,
        first_value(report_year) over by_year as first_year,
        first_value(total_m3) over by_year as base_total_m3,
        first_value(industry_m3) over by_year as base_industry_m3,
        lag(report_year) over by_year as prev_year,
        lag(total_m3) over by_year as prev_total_m3,
        lag(industry_m3) over by_year as prev_industry_m3
    from inputs
    window by_year as (partition by region_code, caliber order by report_year
                       rows between unbounded preceding and current row)
),

complete as (
    -- a decline vs base needs the base year and an unbroken chain of indices up to t
    select *, first_year = {{ var('base_year') }} and n_years_chained = report_year - {{ var('base_year') }}
              and report_year > {{ var('base_year') }} as has_base_chain
    from chained
)

select
    region_code,
    report_year,
    caliber,
    total_m3 / nullif(gdp_100m_yuan * 1e4, 0) as water_use_per_10k_gdp,
    industry_m3 / nullif(industry_va_100m_yuan * 1e4, 0) as water_use_per_10k_industry_va,
    case when has_base_chain then (1 - (total_m3 / base_total_m3) / gdp_volume_vs_base) * 100 end
        as water_use_per_10k_gdp_decline_vs_base,
    case when prev_year = report_year - 1
         then (1 - (total_m3 / prev_total_m3) / (gdp_index_prev_year_100 / 100)) * 100 end
        as water_use_per_10k_gdp_decline_yoy,
    case when has_base_chain then (1 - (industry_m3 / base_industry_m3) / industry_va_volume_vs_base) * 100 end
        as water_use_per_10k_industry_va_decline_vs_base,
    case when prev_year = report_year - 1
         then (1 - (industry_m3 / prev_industry_m3) / (industry_va_index_prev_year_100 / 100)) * 100 end
        as water_use_per_10k_industry_va_decline_yoy,
    gdp_volume_vs_base,
    industry_va_volume_vs_base
from complete
