-- The assessment task breakdown (任务分解表, as in seed 004) with each task's status: a task tied to
-- an indicator with a target (any indicator of fct_indicators: fct_assessment_target_status) is
-- 已完成 when the indicator meets its target, else 未完成 (无数据 without a value); other tasks carry
-- the status their lead unit reported (the deployment's assessment_tasks.csv). A task is overdue
-- (督办) when its deadline is before the year's as-of date (report_as_of_dates, else 31 December)
-- and its status is not 已完成.
with judged as (
    select
        t.*,
        s.value as indicator_value,
        s.target_value,
        s.direction as target_direction,
        case when t.indicator_code is null then coalesce(t.reported_status_zh, '未报告')
             when s.is_met then '已完成'
             when s.value is null then '无数据'
             else '未完成' end as status_zh,
        {{ report_as_of('t.report_year') }} as as_of_date
    from {{ source('deployment', 'assessment_tasks') }} as t
    left join {{ ref('fct_assessment_target_status') }} as s
        on s.region_code = t.region_code and s.report_year = t.report_year and s.indicator_code = t.indicator_code
    -- an indicator with targets in both calibers: the task is judged on the assessment caliber's
    qualify row_number() over (partition by t.report_year, t.task_id order by s.caliber = 'assessment' desc nulls last) = 1
)

select
    *,
    deadline < as_of_date and status_zh <> '已完成' as is_overdue,
    case when deadline < as_of_date and status_zh <> '已完成' then {{ days_between('deadline', 'as_of_date') }} end
        as days_overdue
from judged
