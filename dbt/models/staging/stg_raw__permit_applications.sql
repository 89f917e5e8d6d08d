select
    trim(application_no)                as application_no,
    trim(applicant_name)                as applicant_name,
    upper(trim(uscc))                   as uscc,
    trim(region_code)                   as region_code,
    trim(water_source)                  as water_source_zh,
    {{ to_m3('applied_volume', 'applied_volume_unit') }} as applied_m3,
    {{ to_date('applied_on') }}         as applied_on,
    trim(status)                        as status_zh,
    _source_file                        as source_file,
    _source_row_number                  as source_row_number
from {{ source('raw', 'permit_applications') }}
