select
    trim(section_code)                  as section_code,
    nullif(trim(section_name), '')      as section_name_zh,
    nullif(trim(river), '')             as river_zh,
    {{ to_date('flow_date') }}          as flow_date,
    {{ to_number('mean_flow_m3s') }}    as mean_flow_m3s,
    _source_file                        as source_file,
    _source_row_number                  as source_row_number
from {{ source('raw', 'ecological_flows') }}
