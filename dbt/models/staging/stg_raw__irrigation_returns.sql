select
    {{ to_int('report_year') }}              as report_year,
    trim(district_code)                      as district_code,
    trim(district_name)                      as district_name,
    trim(region_code)                        as region_code,
    trim(size_class)                         as size_class_zh,
    {{ zh_flag('is_sample') }}               as is_sample,
    {{ to_m3('gross_water_surface') }}       as gross_water_surface_m3,
    {{ to_m3('gross_water_ground') }}        as gross_water_ground_m3,
    {{ to_m3('net_water') }}                 as net_water_m3,
    {{ to_number('irrigated_area_10k_mu') }} as irrigated_area_10k_mu,
    _source_file                             as source_file,
    _source_row_number                       as source_row_number
from {{ source('raw', 'irrigation_returns') }}
