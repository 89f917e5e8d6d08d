-- 公报 表3 主要用水指标: every statistical-caliber indicator of each report row and year (long; the
-- workbook lays the indicators out as columns), with the precision the catalog gives it.
select
    g.report_unit_code,
    i.report_year,
    i.region_code,
    g.region_label,
    g.sort_order,
    i.indicator_code,
    i.value,
    i.bulletin_decimals
from {{ ref('fct_indicators') }} as i
join {{ ref('rpt_report_rows') }} as g on g.region_code = i.region_code and {{ region_in_use('i.report_year') }}
where i.caliber = 'statistical'
