select
    {{ to_int('report_year') }}                 as report_year,
    trim(region_code)                           as region_code,
    trim(unit_name)                             as unit_name,
    {{ to_number('system_points') }}            as system_points,
    {{ to_number('measures_points') }}          as measures_points,
    coalesce({{ to_number('bonus_points') }}, 0) as bonus_points,
    coalesce({{ zh_flag('is_vetoed') }}, false) as is_vetoed,
    _source_file                                as source_file,
    _source_row_number                          as source_row_number
from {{ source('raw', 'inspection_scores') }}
