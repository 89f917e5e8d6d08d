-- 公报 用水消耗量: per report unit and year, consumption by the municipal layout's categories in 万m³
-- and the overall consumption rate; the has_*_split flags say which breakdowns the unit's use gives.
select
    {{ report_row_columns('c') }},
    u.has_sector_split,
    u.has_agriculture_split,
    u.has_domestic_split,
    c.farmland_irrigation_consumption_m3 / 1e4 as farmland_irrigation_consumption_10k_m3,
    c.other_agriculture_consumption_m3 / 1e4 as other_agriculture_consumption_10k_m3,
    c.industry_consumption_m3 / 1e4 as industry_consumption_10k_m3,
    c.public_consumption_m3 / 1e4 as public_consumption_10k_m3,
    c.residential_consumption_m3 / 1e4 as residential_consumption_10k_m3,
    c.ecological_consumption_m3 / 1e4 as ecological_consumption_10k_m3,
    c.total_consumption_m3 / 1e4 as total_consumption_10k_m3,
    c.consumption_rate_pct
from {{ ref('fct_water_consumption') }} as c
join {{ ref('mart_water_use_by_region') }} as u on u.region_code = c.region_code and u.report_year = c.report_year
{{ join_report_rows('c') }}
