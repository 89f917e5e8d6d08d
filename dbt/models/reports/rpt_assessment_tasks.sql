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
    {{ format_date_zh('t.deadline') }} as deadline_zh,
    t.status_zh,
    t.evidence_zh,
    t.is_overdue,
    t.days_overdue,
    {{ format_date_zh('t.as_of_date') }} as as_of_zh
from {{ ref('fct_assessment_tasks') }} as t
{{ join_report_rows('t') }}
