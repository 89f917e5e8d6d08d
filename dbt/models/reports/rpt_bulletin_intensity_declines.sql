-- 公报 用水效率较各基准年变化: each report row's statistical-caliber intensity declines against
-- every base year named for it (long; the workbook lays base years and indicators out as columns).
select
    {{ report_row_columns('d') }},
    d.base_year,
    d.indicator_code,
    d.is_plan_base,
    d.value,
    d.bulletin_decimals
from {{ ref('fct_intensity_declines') }} as d
{{ join_report_rows('d') }}
where d.caliber = 'statistical'
