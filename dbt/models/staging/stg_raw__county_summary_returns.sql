select
    {{ to_int('report_year') }}         as report_year,
    trim(region_code)                   as region_code,
    nullif(trim(sub_sector), '')        as sub_sector_zh,
    nullif(trim(water_source), '')      as water_source_zh,
    {{ to_m3('volume') }}               as volume_m3,
    trim(method)                        as method_zh,
    _source_file                        as source_file,
    _source_row_number                  as source_row_number
from {{ source('raw', 'county_summary_returns') }}
