-- The supervision inspections' ledger typed: one row per inspected unit and finding.
select
    {{ to_int('inspection_year') }}             as inspection_year,
    {{ to_date('inspected_on') }}               as inspected_on,
    trim(unit_name)                             as unit_name,
    upper(trim(uscc))                           as uscc,
    trim(region_code)                           as region_code,
    trim(unit_kind)                             as unit_kind_zh,
    nullif(trim(finding_category), '')          as finding_category_zh,
    nullif(trim(finding), '')                   as finding,
    {{ to_date('correction_deadline') }}        as correction_deadline,
    {{ to_date('corrected_on') }}               as corrected_on,
    _source_file                                as source_file,
    _source_row_number                          as source_row_number
from {{ source('raw', 'supervision_inspections') }}
