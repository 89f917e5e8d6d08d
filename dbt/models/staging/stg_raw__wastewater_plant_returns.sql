select
    {{ to_int('report_year') }}                 as report_year,
    upper(trim(uscc))                           as uscc,
    trim(plant_name)                            as plant_name,
    trim(region_code)                           as region_code,
    {{ to_m3('wastewater_treated') }}           as wastewater_treated_m3,
    {{ to_m3('reclaimed_produced') }}           as reclaimed_produced_m3,
    {{ to_m3('reclaimed_used_industry') }}      as reclaimed_used_industry_m3,
    {{ to_m3('reclaimed_used_municipal') }}     as reclaimed_used_municipal_m3,
    {{ to_m3('reclaimed_used_ecological') }}    as reclaimed_used_ecological_m3,
    coalesce({{ to_m3('reclaimed_used_other') }}, 0) as reclaimed_used_other_m3,
    {{ to_m3('reclaimed_used_industry') }} + {{ to_m3('reclaimed_used_municipal') }}
        + {{ to_m3('reclaimed_used_ecological') }} + coalesce({{ to_m3('reclaimed_used_other') }}, 0)
                                                as reclaimed_used_m3,
    _source_file                                as source_file,
    _source_row_number                          as source_row_number
from {{ source('raw', 'wastewater_plant_returns') }}
