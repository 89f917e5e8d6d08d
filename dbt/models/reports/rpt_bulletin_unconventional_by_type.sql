-- 公报 表2's unconventional columns: each type's volume in 亿m³ per report row and year (long; the
-- workbook lays the types out as columns, in name order).
select
    g.report_unit_code,
    w.report_year,
    w.region_code,
    w.unconventional_type_zh,
    {{ exact_sum("w.volume_m3") }} / 1e8 as volume_100m_m3
from {{ ref('fct_unconventional_water') }} as w
{{ join_report_rows('w') }}
group by all
