-- contact_name and contact_phone (personal data) are deliberately not selected.
select
    trim(permit_no)                             as permit_no,
    trim(holder_name)                           as holder_name,
    upper(trim(uscc))                           as uscc,
    trim(region_code)                           as region_code,
    trim(intake_location)                       as intake_location,
    trim(intake_code)                           as intake_code,
    trim(water_source)                          as water_source_zh,
    trim(water_use_purpose)                     as water_use_purpose_zh,
    trim(industry_code)                         as industry_code,
    {{ to_m3('permitted_volume', 'permitted_volume_unit') }} as permitted_volume_m3,
    {{ to_date('valid_from') }}                 as valid_from,
    {{ to_date('valid_to') }}                   as valid_to,
    trim(status)                                as status_zh,
    _source_file                                as source_file,
    _source_row_number                          as source_row_number
from {{ source('raw', 'permits') }}
