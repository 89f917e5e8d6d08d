-- The intensity declines against every base year the deployment names (int_intensity_bases): one
-- row per region, year, caliber, base year and indicator, at full precision. The plan period's
-- base (is_plan_base) gives the same values as fct_indicators' *_decline_vs_base; the others are
-- the comparison bases of deployment.comparison_base_years (e.g. an action plan's 较2015年).
select
    d.region_code,
    d.report_year,
    d.caliber,
    d.base_year,
    v.indicator_code,
    c.indicator_name_zh,
    d.is_plan_base,
    d.base_note,
    d.base_use_origin,
    v.value,
    c.unit,
    c.decimals as bulletin_decimals
from {{ ref('int_intensity_declines_by_base') }} as d,
lateral (
    select 'water_use_per_10k_gdp_decline_vs_base' as indicator_code, d.m3_per_10k_yuan_gdp_decline_vs_base_pct as value
    union all select 'water_use_per_10k_industry_va_decline_vs_base', d.m3_per_10k_yuan_industry_va_decline_vs_base_pct
) as v
join {{ ref('indicator_catalog') }} as c using (indicator_code)
where v.value is not null
