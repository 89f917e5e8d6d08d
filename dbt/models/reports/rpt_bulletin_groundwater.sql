-- 公报 地下水开采与管控: each report row's groundwater by aquifer (万m³) against its volume control,
-- the wells' depth to water against the level control (m), the aquifer's status and the unit's
-- carrying-capacity status.
select
    {{ report_row_columns('w') }},
    w.aquifer_code,
    w.aquifer_name_zh,
    q.sort_order as aquifer_sort_order,
    w.abstraction_m3 / 1e4 as abstraction_10k_m3,
    w.volume_control_m3 / 1e4 as volume_control_10k_m3,
    w.n_wells,
    w.depth_to_water_m,
    w.level_control_depth_m,
    w.overdraft_zone_names_zh,
    w.status_zh,
    c.status_zh as unit_status_zh
from {{ ref('fct_groundwater_control') }} as w
{{ join_report_rows('w') }}
left join {{ source('deployment', 'aquifers') }} as q using (aquifer_code)
left join {{ ref('fct_carrying_capacity') }} as c on c.region_code = w.region_code and c.report_year = w.report_year
