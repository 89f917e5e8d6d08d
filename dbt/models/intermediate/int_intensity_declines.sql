-- Intensities and their declines per region, year and caliber (METHODS §2.2). Levels at current
-- prices; declines at comparable prices by chaining the 上年=100 volume indices from the base year
-- of the report year's plan period (deployment.base_years), never from current-price levels.
-- Industry uses the industrial VA index. A code's series includes the economy of the codes it
-- succeeded (their figures roll into it; int_region_rollup), and a decline needs every year's index.
with series_economy as (
    select a.region_code, e.report_year, e.gdp_100m_yuan, e.gdp_index_prev_year_100, e.industry_va_100m_yuan,
           e.industry_va_index_prev_year_100
    from {{ source('deployment', 'region_ancestors') }} as a
    join {{ ref('int_region_economy') }} as e on e.region_code = a.member_region_code
    where a.depth = 0  -- the code itself and the codes it succeeded; its own figures first
    qualify row_number() over (partition by a.region_code, e.report_year
                               order by (a.member_region_code = a.region_code) desc, a.member_region_code) = 1
),

inputs as (
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
    left join series_economy as e using (region_code, report_year)
),

in_period as (
    -- each period's rows run from its base year to its last year
    select i.*, p.base_year
    from inputs as i
    join {{ source('deployment', 'base_years') }} as p
        on i.report_year = p.base_year or i.report_year between p.first_year and p.last_year
),

chained as (
    select
        *,
        -- volume of year t relative to the base year (= 1 in the base year)
        exp(sum(case when report_year > base_year then ln(gdp_index_prev_year_100 / 100) else 0 end)
            over by_year) as gdp_volume_vs_base,
        exp(sum(case when report_year > base_year then ln(industry_va_index_prev_year_100 / 100) else 0 end)
            over by_year) as industry_va_volume_vs_base,
        count(*) over by_year - 1 as n_years_chained,
        count(case when report_year > base_year then gdp_index_prev_year_100 end) over by_year as n_gdp_indices,
        count(case when report_year > base_year then industry_va_index_prev_year_100 end) over by_year
            as n_industry_va_indices,
        first_value(report_year) over by_year as first_year,
        first_value(total_m3) over by_year as base_total_m3,
        first_value(industry_m3) over by_year as base_industry_m3
    from in_period
    window by_year as (partition by region_code, caliber, base_year order by report_year
                       rows between unbounded preceding and current row)
),

vs_base as (
    -- a decline vs base needs the base year and an unbroken chain of indices up to t; a report
    -- year belongs to the one period it falls in after that period's base year
    select
        *,
        first_year = base_year and n_years_chained = report_year - base_year
            and n_gdp_indices = report_year - base_year as has_base_chain,
        first_year = base_year and n_years_chained = report_year - base_year
            and n_industry_va_indices = report_year - base_year as has_industry_base_chain
    from chained
    where report_year > base_year
),

yoy as (
    select
        *,
        lag(report_year) over by_region as prev_year,
        lag(total_m3) over by_region as prev_total_m3,
        lag(industry_m3) over by_region as prev_industry_m3
    from inputs
    window by_region as (partition by region_code, caliber order by report_year)
)

select
    y.region_code,
    y.report_year,
    y.caliber,
    b.base_year,
    y.total_m3 / nullif(y.gdp_100m_yuan * 1e4, 0) as m3_per_10k_yuan_gdp,
    y.industry_m3 / nullif(y.industry_va_100m_yuan * 1e4, 0) as m3_per_10k_yuan_industry_va,
    case when b.has_base_chain then (1 - (b.total_m3 / nullif(b.base_total_m3, 0)) / b.gdp_volume_vs_base) * 100 end
        as m3_per_10k_yuan_gdp_decline_vs_base_pct,
    case when y.prev_year = y.report_year - 1
         then (1 - (y.total_m3 / nullif(y.prev_total_m3, 0)) / (y.gdp_index_prev_year_100 / 100)) * 100 end
        as m3_per_10k_yuan_gdp_decline_yoy_pct,
    case when b.has_industry_base_chain
         then (1 - (b.industry_m3 / nullif(b.base_industry_m3, 0)) / b.industry_va_volume_vs_base) * 100 end
        as m3_per_10k_yuan_industry_va_decline_vs_base_pct,
    case when y.prev_year = y.report_year - 1
         then (1 - (y.industry_m3 / nullif(y.prev_industry_m3, 0)) / (y.industry_va_index_prev_year_100 / 100)) * 100 end
        as m3_per_10k_yuan_industry_va_decline_yoy_pct,
    b.gdp_volume_vs_base,
    b.industry_va_volume_vs_base
from yoy as y
left join vs_base as b using (region_code, report_year, caliber)
