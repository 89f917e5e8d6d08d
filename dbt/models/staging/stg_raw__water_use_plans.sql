select
    upper(trim(uscc))                             as uscc,
    trim(user_name)                               as user_name,
    trim(region_code)                             as region_code,
    {{ to_int('plan_year') }}                     as plan_year,
    {{ to_number('annual_plan_volume') }}         as annual_plan_volume,
    {{ volume_unit('annual_plan_volume_unit') }}  as annual_plan_volume_unit,
    {%- for m in range(1, 13) %}
    {{ to_number('plan_m%02d' % m) }}             as plan_m{{ '%02d' % m }}_volume,
    {%- endfor %}
    _source_file                                  as source_file,
    _source_row_number                            as source_row_number
from {{ source('raw', 'water_use_plans') }}
