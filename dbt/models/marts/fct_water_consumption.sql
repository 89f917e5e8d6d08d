-- 用水消耗量 per region (every level of the register) and year: each member's use by sub-sector
-- times the consumption coefficient (耗水率) the deployment sets for it, rolled up. A coefficient is
-- looked up for the member's own code first, then its ancestors nearest first, then '*'; at each of
-- those a sub-sector's row beats its sector's. A category with use but no coefficient (or a summary
-- without the breakdown) is null, never a partial sum; so is the total then.
{%- set categories = {
    'farmland_irrigation': "sub_sector_code = 'farmland_irrigation'",
    'other_agriculture': "sector_code = 'agriculture' and sub_sector_code <> 'farmland_irrigation'",
    'industry': "sector_code = 'industry'",
    'public': "sub_sector_code = 'public'",
    'residential': "sub_sector_code like 'residential%'",
    'ecological': "sector_code = 'ecological'",
} %}
with use_by_sub_sector as (
    select region_code as member_region_code, report_year, sector_code, sub_sector_code, sum(volume_m3) as volume_m3
    from {{ ref('fct_water_use') }}
    group by region_code, report_year, sector_code, sub_sector_code
),

candidates as (
    select
        u.*,
        c.coefficient,
        row_number() over (
            partition by u.member_region_code, u.report_year, u.sector_code, u.sub_sector_code
            order by case when c.coefficient is null then 2 when c.region_code = '*' then 1 else 0 end,
                     case when c.region_code = '*' then 0 else a.depth end,
                     case when c.sector_code = u.sub_sector_code then 0 else 1 end
        ) as preference
    from use_by_sub_sector as u
    join {{ source('deployment', 'region_ancestors') }} as a on a.member_region_code = u.member_region_code
    left join {{ source('deployment', 'consumption_coefficients') }} as c
        on (c.region_code = a.region_code or c.region_code = '*')
        and c.sector_code in (u.sub_sector_code, u.sector_code)
),

consumed as (
    select *, volume_m3 * coefficient as consumption_m3
    from candidates
    where preference = 1
)

select
    r.region_code,
    m.report_year,
    {%- for name, condition in categories.items() %}
    case when count(*) filter (where {{ condition }} and m.coefficient is null) = 0
         then coalesce(sum(m.consumption_m3) filter (where {{ condition }}), 0) end as {{ name }}_consumption_m3,
    {%- endfor %}
    case when count(*) filter (where m.coefficient is null) = 0 then sum(m.consumption_m3) end as total_consumption_m3,
    sum(m.volume_m3) as total_use_m3,
    case when count(*) filter (where m.coefficient is null) = 0
         then sum(m.consumption_m3) / nullif(sum(m.volume_m3), 0) * 100 end as consumption_rate_pct,
    count(*) filter (where m.coefficient is null) = 0 as has_all_coefficients
from consumed as m
join {{ ref('int_region_rollup') }} as r on r.member_region_code = m.member_region_code
group by r.region_code, m.report_year
