select
    upper(trim(uscc))                             as uscc,
    trim(user_name)                               as user_name,
    trim(region_code)                             as region_code,
    {{ to_int('plan_year') }}                     as report_year,
    {{ to_m3('annual_plan_volume', 'annual_plan_volume_unit') }} as annual_plan_m3,
    {#- the monthly split is written in the annual plan's unit #}
    {%- for m in range(1, 13) %}
    {{ to_m3('plan_m%02d' % m, 'annual_plan_volume_unit') }} as plan_m{{ '%02d' % m }}_m3,
    {%- endfor %}
    _source_file                                  as source_file,
    _source_row_number                            as source_row_number
from {{ source('raw', 'water_use_plans') }}
