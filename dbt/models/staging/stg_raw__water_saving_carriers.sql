-- The carrier register typed; the type's code from the national list (seeds/carrier_types.csv).
select
    trim(c.carrier_id)                          as carrier_id,
    trim(c.carrier_name)                        as carrier_name,
    nullif(upper(trim(c.uscc)), '')             as uscc,
    trim(c.region_code)                         as region_code,
    trim(c.carrier_type)                        as carrier_type_zh,
    t.carrier_type_code,
    trim(c.carrier_level)                       as carrier_level_zh,
    {{ to_int('c.creation_year') }}             as creation_year,
    {{ distinct_ints_in_text('c.review_years') }} as review_years,
    coalesce({{ zh_flag('c.is_efficiency_leader') }}, false) as is_efficiency_leader,
    c._source_file                              as source_file,
    c._source_row_number                        as source_row_number
from {{ source('raw', 'water_saving_carriers') }} as c
join {{ ref('carrier_types') }} as t on t.carrier_type_zh = trim(c.carrier_type)
