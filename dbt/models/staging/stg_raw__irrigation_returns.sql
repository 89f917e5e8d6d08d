select
    {{ to_int('report_year') }}              as report_year,
    trim(district_code)                      as district_code,
    trim(district_name)                      as district_name,
    trim(region_code)                        as region_code,
    trim(size_class)                         as size_class_zh,
    {{ zh_flag('is_sample') }}               as is_sample,
    {{ to_number('gross_water_surface') }}   as gross_water_surface,
    {{ to_number('gross_water_ground') }}    as gross_water_ground,
    {{ to_number('net_water') }}             as net_water,
    {{ to_number('irrigated_area_10k_mu') }} as irrigated_area_10k_mu,
    {{ volume_unit('volume_unit') }}         as volume_unit,
    _source_file                             as source_file,
    _source_row_number                       as source_row_number
from {{ source('raw', 'irrigation_returns') }}
