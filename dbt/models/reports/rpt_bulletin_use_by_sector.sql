-- 公报 表1 分行业用水量: per report unit and year, the unit and its children, in 亿m³ (the
-- bulletin's unit), with the has_*_split flags that say which breakdowns a summary supports.
select
    {{ report_row_columns('u') }},
    u.has_sector_split,
    u.has_agriculture_split,
    u.has_industry_split,
    u.has_domestic_split,
    u.total_m3 / 1e8 as total_100m_m3,
    u.agriculture_m3 / 1e8 as agriculture_100m_m3,
    u.farmland_irrigation_m3 / 1e8 as farmland_irrigation_100m_m3,
    (u.agriculture_m3 - u.farmland_irrigation_m3) / 1e8 as other_agriculture_100m_m3,
    u.industry_m3 / 1e8 as industry_100m_m3,
    u.once_through_cooling_m3 / 1e8 as once_through_cooling_100m_m3,
    u.domestic_m3 / 1e8 as domestic_100m_m3,
    u.residential_m3 / 1e8 as residential_100m_m3,
    u.public_m3 / 1e8 as public_100m_m3,
    u.ecological_m3 / 1e8 as ecological_100m_m3
from {{ ref('mart_water_use_by_region') }} as u
{{ join_report_rows('u') }}
