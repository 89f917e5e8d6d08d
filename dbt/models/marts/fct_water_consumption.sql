-- 用水消耗量 per region (every level of the register) and year: each member's use by sub-sector
-- times its consumption coefficient (int_water_consumption_by_member), rolled up. A category with
-- use but no coefficient (or a summary without the breakdown) is null, never a partial sum; so is
-- the total then.
{%- set categories = {
    'farmland_irrigation': "sub_sector_code = 'farmland_irrigation'",
    'other_agriculture': "sector_code = 'agriculture' and sub_sector_code <> 'farmland_irrigation'",
    'industry': "sector_code = 'industry'",
    'public': "sub_sector_code = 'public'",
    'residential': "sub_sector_code like 'residential%'",
    'ecological': "sector_code = 'ecological'",
} %}
select
    r.region_code,
    m.report_year,
    {%- for name, condition in categories.items() %}
    case when count(*) filter (where {{ condition }} and m.coefficient is null) = 0
         then coalesce({{ exact_sum("m.consumption_m3", where=condition) }}, 0) end as {{ name }}_consumption_m3,
    {%- endfor %}
    case when count(*) filter (where m.coefficient is null) = 0 then {{ exact_sum("m.consumption_m3") }} end as total_consumption_m3,
    {{ exact_sum("m.volume_m3") }} as total_use_m3,
    case when count(*) filter (where m.coefficient is null) = 0
         then {{ exact_sum("m.consumption_m3") }} / nullif({{ exact_sum("m.volume_m3") }}, 0) * 100 end as consumption_rate_pct,
    count(*) filter (where m.coefficient is null) = 0 as has_all_coefficients
from {{ ref('int_water_consumption_by_member') }} as m
join {{ ref('int_region_rollup') }} as r on r.member_region_code = m.region_code
group by r.region_code, m.report_year
