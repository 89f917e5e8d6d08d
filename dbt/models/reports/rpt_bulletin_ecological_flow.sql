-- 公报 主要河流控制断面生态流量: each section assessed for a report row's region or a region below
-- it (int_region_rollup), per year.
select
    g.report_unit_code,
    f.report_year,
    f.section_code,
    f.section_name_zh,
    f.river_zh,
    f.sort_order,
    f.min_flow_m3s,
    f.has_seasonal_minimum,
    f.days_with_data,
    f.days_meeting_minimum,
    f.days_below_minimum,
    f.assurance_rate_pct,
    f.longest_run_below_days,
    f.status_zh
from {{ ref('fct_ecological_flow') }} as f
join {{ ref('int_region_rollup') }} as r on r.member_region_code = f.region_code
join (select distinct report_unit_code from {{ ref('rpt_report_rows') }}) as g on g.report_unit_code = r.region_code
