-- 考核 节水载体创建情况: each report row's carriers by type, cumulative and in the year, by level,
-- 水效领跑者, against the base count (建成率).
select
    {{ report_row_columns('c') }},
    c.carrier_type_code,
    c.carrier_type_zh,
    c.carrier_type_sort_order,
    c.carriers_created_in_year,
    c.carriers_reviewed_in_year,
    c.carriers_cumulative,
    c.carriers_national,
    c.carriers_provincial,
    c.carriers_municipal,
    c.efficiency_leaders,
    c.base_count,
    c.creation_rate_pct
from {{ ref('fct_carrier_creation') }} as c
{{ join_report_rows('c') }}
