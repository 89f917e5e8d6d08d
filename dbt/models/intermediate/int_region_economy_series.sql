-- A region's economic series for its intensities: its own figures, or in a year before its code
-- existed those of the codes it succeeded (their figures roll into it; int_region_rollup), so a
-- decline chains across a code change.
select a.region_code, e.report_year, e.gdp_100m_yuan, e.gdp_index_prev_year_100, e.industry_va_100m_yuan,
       e.industry_va_index_prev_year_100
from {{ source('deployment', 'region_ancestors') }} as a
join {{ ref('int_region_economy') }} as e on e.region_code = a.member_region_code
where a.depth = 0  -- the code itself and the codes it succeeded; its own figures first
qualify row_number() over (partition by a.region_code, e.report_year
                           order by (a.member_region_code = a.region_code) desc, a.member_region_code) = 1
