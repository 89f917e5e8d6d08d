-- Headline indicators, one row per region × year × indicator (values at full precision;
-- rounding happens only in the bulletin). Intensity levels are at current prices; declines are at
-- comparable prices from the volume indices (METHODS §2.2), never from current-price levels.
with use_econ as (
    select
        u.region_code,
        u.report_year,
        u.total_m3,
        u.industry_m3,
        e.gdp_100m_yuan,
        e.gdp_index_prev_year_100,
        e.industry_va_100m_yuan,
        e.industry_va_index_prev_year_100,
        e.population_avg_10k
    from {{ ref('mart_water_use_by_region') }} as u
    left join {{ ref('int_region_economy') }} as e using (region_code, report_year)
),

chained as (
    select
        *,
        -- volume of year t relative to the base year (base = 1), chaining 上年=100 indices
        exp(sum(case when report_year > {{ var('base_year') }} then ln(gdp_index_prev_year_100 / 100) else 0 end)
            over by_year) as gdp_volume_vs_base,
        exp(sum(case when report_year > {{ var('base_year') }} then ln(industry_va_index_prev_year_100 / 100) else 0 end)
            over by_year) as industry_va_volume_vs_base,
        count(*) filter (where report_year > {{ var('base_year') }}) over by_year as n_chained_years,
        lag(report_year) over by_year as prev_year,
        lag(total_m3) over by_year as prev_total_m3,
        lag(industry_m3) over by_year as prev_industry_m3
    from use_econ
    where report_year >= {{ var('base_year') }}
    window by_year as (partition by region_code order by report_year rows between unbounded preceding and current row)
),

with_base as (
    select c.*, b.total_m3 as base_total_m3, b.industry_m3 as base_industry_m3
    from chained as c
    left join use_econ as b on b.region_code = c.region_code and b.report_year = {{ var('base_year') }}
),

leakage as (
    select r.region_code, l.report_year,
           sum(l.leakage_rate_pct * l.system_input_m3) / nullif(sum(l.system_input_m3), 0) as leakage_rate_pct
    from {{ ref('fct_public_supply_leakage') }} as l
    join {{ ref('int_region_rollup') }} as r on l.region_code = r.member_region_code
    group by all
),

indicators as (
    select
        w.region_code,
        w.report_year,
        v.indicator_code,
        v.value
    from with_base as w
    left join leakage as l using (region_code, report_year)
    left join {{ ref('fct_industrial_reuse') }} as ru using (region_code, report_year)
    left join {{ ref('fct_irrigation_efficiency') }} as ie using (region_code, report_year)
    cross join lateral (values
        ('total_water_use', w.total_m3 / 1e8),
        ('water_use_per_capita', w.total_m3 / nullif(w.population_avg_10k * 1e4, 0)),
        ('water_use_per_10k_gdp', w.total_m3 / nullif(w.gdp_100m_yuan * 1e4, 0)),
        ('water_use_per_10k_gdp_decline_vs_base',
            case when w.report_year > {{ var('base_year') }}
                  and w.n_chained_years = w.report_year - {{ var('base_year') }}
                 then (1 - (w.total_m3 / w.base_total_m3) / w.gdp_volume_vs_base) * 100 end),
        ('water_use_per_10k_gdp_decline_yoy',
            case when w.prev_year = w.report_year - 1
                 then (1 - (w.total_m3 / w.prev_total_m3) / (w.gdp_index_prev_year_100 / 100)) * 100 end),
        ('water_use_per_10k_industry_va', w.industry_m3 / nullif(w.industry_va_100m_yuan * 1e4, 0)),
        ('water_use_per_10k_industry_va_decline_vs_base',
            case when w.report_year > {{ var('base_year') }}
                  and w.n_chained_years = w.report_year - {{ var('base_year') }}
                 then (1 - (w.industry_m3 / w.base_industry_m3) / w.industry_va_volume_vs_base) * 100 end),
        ('water_use_per_10k_industry_va_decline_yoy',
            case when w.prev_year = w.report_year - 1
                 then (1 - (w.industry_m3 / w.prev_industry_m3) / (w.industry_va_index_prev_year_100 / 100)) * 100 end),
        ('industrial_reuse_rate', ru.reuse_rate_pct),
        ('network_leakage_rate', l.leakage_rate_pct),
        ('irrigation_efficiency_coefficient', ie.irrigation_coefficient)
    ) as v(indicator_code, value)
)

select
    i.region_code,
    i.report_year,
    i.indicator_code,
    c.indicator_name_zh,
    i.value,
    c.unit,
    c.price_basis,
    c.decimals as bulletin_decimals
from indicators as i
join {{ ref('indicator_catalog') }} as c using (indicator_code)
where i.value is not null
