-- Each member region's use by sub-sector and year times the consumption coefficient (耗水率) the
-- deployment sets for it: looked up for the member's own code first, then its ancestors nearest
-- first, then '*'; at each of those a sub-sector's row beats its sector's. The applied row's
-- region_code and sector_code name the deployment row (consumption_coefficients) that gave it, so
-- `waterstat trace` shows it; no coefficient: null. fct_water_consumption rolls these up.
with use_by_sub_sector as (
    select region_code as member_region_code, report_year, sector_code, sub_sector_code, {{ exact_sum("volume_m3") }} as volume_m3
    from {{ ref('fct_water_use') }}
    group by region_code, report_year, sector_code, sub_sector_code
),

candidates as (
    select
        u.*,
        c.coefficient,
        c.region_code as coefficient_region_code,
        c.sector_code as coefficient_sector_code,
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
    member_region_code as region_code,
    report_year,
    sector_code,
    sub_sector_code,
    volume_m3,
    coefficient,
    coefficient_region_code,
    coefficient_sector_code,
    consumption_m3
from consumed
