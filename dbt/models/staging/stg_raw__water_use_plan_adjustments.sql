-- Plan additions and reductions, the volume signed: + for 追加, − for 核减 (the row checks admit no other type).
select
    upper(trim(uscc))                   as uscc,
    trim(user_name)                     as user_name,
    trim(region_code)                   as region_code,
    {{ to_int('plan_year') }}           as report_year,
    trim(adjustment_type)               as adjustment_type_zh,
    {{ to_m3('adjustment_volume', 'adjustment_volume_unit') }}
        * case trim(adjustment_type) when '核减' then -1 else 1 end as adjustment_m3,
    {{ to_date('effective_date') }}     as effective_date,
    trim(document_no)                   as document_no,
    trim(reason)                        as reason_zh,
    _source_file                        as source_file,
    _source_row_number                  as source_row_number
from {{ source('raw', 'water_use_plan_adjustments') }}
