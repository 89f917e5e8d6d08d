-- The assessment task breakdown (任务分解表, as in seed 004) with each task's status: a task tied to
-- a target indicator is 已完成 when the indicator meets its target, else 未完成; other tasks carry
-- the status their lead unit reported (the deployment's assessment_tasks.csv).
select
    t.*,
    s.value as indicator_value,
    s.target_value,
    case when t.indicator_code is null then coalesce(t.reported_status_zh, '未报告')
         when s.is_met then '已完成'
         when s.value is null then '无数据'
         else '未完成' end as status_zh
from {{ source('deployment', 'assessment_tasks') }} as t
left join {{ ref('fct_assessment_indicator_scores') }} as s
    on s.region_code = t.region_code and s.report_year = t.report_year and s.indicator_code = t.indicator_code
-- an indicator with targets in both calibers: the task is judged on the assessment caliber's
qualify row_number() over (partition by t.report_year, t.task_id order by s.caliber = 'assessment' desc nulls last) = 1
