select
    upper(trim(uscc))              as uscc,
    trim(user_name)                as user_name,
    trim(region_code)              as region_code,
    trim(kind)                     as kind_zh,
    {{ to_int('report_year') }}    as report_year,
    {{ zh_flag('is_planned') }}    as is_planned,
    {{ to_date('completed_on') }}  as completed_on,
    nullif(trim(report_no), '')    as report_no,
    _source_file                   as source_file,
    _source_row_number             as source_row_number
from {{ source('raw', 'water_audits') }}
