-- 考核 表3 任务分解表: the tasks of each report row's regions, deadline written as staff write it,
-- status computed where an indicator measures the task, evidence, and whether it is overdue (督办).
select
    g.report_unit_code,
    t.report_year,
    t.task_id,
    t.work_item_zh,
    t.task_type_zh,
    t.goal_zh,
    t.task_zh,
    t.lead_unit_zh,
    t.partner_units_zh,
    strftime(t.deadline, '%Y年%-m月%-d日') as deadline_zh,
    t.status_zh,
    t.evidence_zh,
    t.is_overdue,
    t.days_overdue,
    strftime(t.as_of_date, '%Y年%-m月%-d日') as as_of_zh
from {{ ref('fct_assessment_tasks') }} as t
{{ join_report_rows('t') }}
