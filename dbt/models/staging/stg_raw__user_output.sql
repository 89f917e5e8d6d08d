select
    {{ to_int('report_year') }}                           as report_year,
    upper(trim(user_code))                                as user_code,
    trim(user_name)                                       as user_name,
    trim(region_code)                                     as region_code,
    trim(product_code)                                    as product_code,
    {{ to_number('output') }}                             as output,
    trim(output_unit)                                     as output_unit_zh,
    {{ to_m3('product_water', 'product_water_unit') }}    as product_water_m3,
    _source_file                                          as source_file,
    _source_row_number                                    as source_row_number
from {{ source('raw', 'user_output') }}
