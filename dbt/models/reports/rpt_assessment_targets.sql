-- 考核 表1 考核指标完成情况: each assessed indicator of each report row and year against its target.
select
    {{ report_row_columns('s') }},
    s.indicator_code,
    s.caliber,
    c.sort_order as indicator_sort_order,
    c.indicator_name_zh,
    c.unit,
    case when s.caliber = 'assessment' then '考核口径' else '统计口径' end as caliber_zh,
    {{ target_text('s.direction', 's.target_value') }} as target_text,
    s.value,
    cast(c.decimals as integer) as value_decimals,
    case when s.is_met then '达标' when s.is_missing_value then '无数据' else '未达标' end as result_zh,
    s.points,
    s.max_points
from {{ ref('fct_assessment_indicator_scores') }} as s
{{ join_report_rows('s') }}
join {{ ref('indicator_catalog') }} as c using (indicator_code)
