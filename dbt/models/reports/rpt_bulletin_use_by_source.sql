-- 公报 表2 分水源供水量: per report unit and year, supply by source in 亿m³ and the unconventional
-- share of use in %; the unconventional types one by one are in rpt_bulletin_unconventional_by_type.
select
    g.report_unit_code,
    u.report_year,
    u.region_code,
    g.region_label,
    g.sort_order,
    u.has_source_split,
    u.total_m3 / 1e8 as total_100m_m3,
    u.surface_m3 / 1e8 as surface_100m_m3,
    u.ground_m3 / 1e8 as ground_100m_m3,
    u.unconventional_m3 / 1e8 as unconventional_100m_m3,
    u.unconventional_m3 / nullif(u.total_m3, 0) * 100 as unconventional_share_pct
from {{ ref('mart_water_use_by_region') }} as u
join {{ ref('rpt_report_rows') }} as g on g.region_code = u.region_code and {{ region_in_use('u.report_year') }}
