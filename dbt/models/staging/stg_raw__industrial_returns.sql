select
    {{ to_int('report_year') }}                 as report_year,
    upper(trim(uscc))                           as uscc,
    trim(unit_name)                             as unit_name,
    trim(region_code)                           as region_code,
    trim(industry_code)                         as industry_code,
    {{ zh_flag('is_above_scale') }}             as is_above_scale,
    {{ zh_flag('is_once_through_cooling') }}    as is_once_through_cooling,
    {{ to_m3('new_water_surface') }}            as new_water_surface_m3,
    {{ to_m3('new_water_ground') }}             as new_water_ground_m3,
    {{ to_m3('new_water_tap') }}                as new_water_tap_m3,
    -- unconventional water: the typed columns, or the old layout's one untyped column (其他非常规水);
    -- new_water_unconventional_m3 is their total, whichever layout the return used
    {%- set types = ['unconventional', 'reclaimed', 'rain', 'desalinated', 'brackish', 'mine'] %}
    {%- for t in types %}
    coalesce({{ to_m3('new_water_' ~ t) }}, 0) as new_water_{{ 'unconventional_untyped' if t == 'unconventional' else t }}_m3,
    {%- endfor %}
    {% for t in types %}coalesce({{ to_m3('new_water_' ~ t) }}, 0){% if not loop.last %} + {% endif %}{% endfor %}
                                                as new_water_unconventional_m3,
    {{ to_m3('reused_water') }}                 as reused_water_m3,
    {{ to_number('value_added_10k_yuan') }}     as value_added_10k_yuan,
    _source_file                                as source_file,
    _source_row_number                          as source_row_number
from {{ source('raw', 'industrial_returns') }}
