-- 公报 表2 分水源供水量: per report unit and year, supply by source in 亿m³ and the unconventional
-- share of use in %; the unconventional types one by one are in rpt_bulletin_unconventional_by_type.
select
    {{ report_row_columns('u') }},
    u.has_source_split,
    u.total_m3 / 1e8 as total_100m_m3,
    u.surface_m3 / 1e8 as surface_100m_m3,
    u.ground_m3 / 1e8 as ground_100m_m3,
    u.unconventional_m3 / 1e8 as unconventional_100m_m3,
    u.unconventional_m3 / nullif(u.total_m3, 0) * 100 as unconventional_share_pct
from {{ ref('mart_water_use_by_region') }} as u
{{ join_report_rows('u') }}
