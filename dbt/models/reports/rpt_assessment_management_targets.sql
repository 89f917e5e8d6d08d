-- 考核 节水管理指标完成情况: each target the scoring rules do not score (the management rates: carrier
-- creation, corrections, plan issuance, audit coverage … whatever indicator the deployment sets a
-- target on) of each report row, its value beside the target.
select
    {{ report_row_columns('s') }},
    s.indicator_code,
    s.caliber,
    c.sort_order as indicator_sort_order,
    c.indicator_name_zh,
    c.unit,
    {{ target_text('s.direction', 's.target_value') }} as target_text,
    s.value,
    cast(c.decimals as integer) as value_decimals,
    case when s.is_met then '达标' when s.is_missing_value then '无数据' else '未达标' end as result_zh
from {{ ref('fct_assessment_target_status') }} as s
{{ join_report_rows('s') }}
join {{ ref('indicator_catalog') }} as c using (indicator_code)
where not s.is_scored
