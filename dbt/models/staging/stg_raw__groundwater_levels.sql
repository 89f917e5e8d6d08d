select
    trim(l.well_code)                   as well_code,
    trim(l.well_name)                   as well_name,
    trim(l.region_code)                 as region_code,
    a.aquifer_code,
    {{ to_date('l.observed_on') }}      as observed_on,
    {{ to_number('l.depth_to_water_m') }} as depth_to_water_m,
    l._source_file                      as source_file,
    l._source_row_number                as source_row_number
from {{ source('raw', 'groundwater_levels') }} as l
left join {{ source('deployment', 'aquifers') }} as a on trim(l.aquifer) in (a.aquifer_code, a.aquifer_name_zh)
