-- The aquifer as the deployment's register codes it (the return may give the code or the name).
select
    {{ to_int('g.report_year') }}       as report_year,
    trim(g.region_code)                 as region_code,
    a.aquifer_code,
    {{ to_m3('g.abstraction_volume', 'g.abstraction_volume_unit') }} as abstraction_m3,
    trim(g.method)                      as method_zh,
    g._source_file                      as source_file,
    g._source_row_number                as source_row_number
from {{ source('raw', 'groundwater_abstraction') }} as g
left join {{ source('deployment', 'aquifers') }} as a on trim(g.aquifer) in (a.aquifer_code, a.aquifer_name_zh)
