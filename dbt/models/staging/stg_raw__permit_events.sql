select
    trim(permit_no)                     as permit_no,
    trim(holder_name)                   as holder_name,
    upper(trim(uscc))                   as uscc,
    trim(region_code)                   as region_code,
    trim(event_type)                    as event_type_zh,
    {{ to_date('event_date') }}         as event_date,
    {{ to_date('valid_from') }}         as valid_from,
    {{ to_date('valid_to') }}           as valid_to,
    {{ to_m3('permitted_volume', 'permitted_volume_unit') }} as permitted_volume_m3,
    {{ to_date('e_licence_date') }}     as e_licence_date,
    trim(document_no)                   as document_no,
    _source_file                        as source_file,
    _source_row_number                  as source_row_number
from {{ source('raw', 'permit_events') }}
