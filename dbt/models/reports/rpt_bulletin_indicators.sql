-- 公报 表3 主要用水指标: every statistical-caliber indicator of each report row and year (long; the
-- workbook lays the indicators out as columns), with the precision the catalog gives it.
select
    {{ report_row_columns('i') }},
    i.indicator_code,
    i.value,
    i.bulletin_decimals
from {{ ref('fct_indicators') }} as i
{{ join_report_rows('i') }}
where i.caliber = 'statistical'
