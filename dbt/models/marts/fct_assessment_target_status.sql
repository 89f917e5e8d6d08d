-- Every target of the deployment (assessment_targets) against its indicator, scored or not: the
-- generic judge that 考核 表1 (the scored targets, fct_assessment_indicator_scores), the task table
-- (fct_assessment_tasks) and the management-rate table read, whatever the indicator. A decline target
-- that names a base year (assessment_targets.base_year) is judged on the decline against that base
-- (fct_intensity_declines); every other target on its fct_indicators row.
select
    t.region_code,
    t.report_year,
    t.indicator_code,
    t.caliber,
    t.direction,
    t.target_value,
    v.value,
    coalesce(case t.direction when '>=' then v.value >= t.target_value else v.value <= t.target_value end, false) as is_met,
    v.value is null as is_missing_value,
    greatest(case t.direction when '>=' then t.target_value - v.value else v.value - t.target_value end, 0) as shortfall,
    exists (select 1 from {{ source('deployment', 'assessment_scoring_rules') }} as r
            where r.indicator_code = t.indicator_code) as is_scored,
    t.base_year
from {{ source('deployment', 'assessment_targets') }} as t
left join {{ ref('fct_indicators') }} as i
    on t.base_year is null and i.region_code = t.region_code and i.report_year = t.report_year
   and i.indicator_code = t.indicator_code and i.caliber = t.caliber
left join {{ ref('fct_intensity_declines') }} as d
    on d.region_code = t.region_code and d.report_year = t.report_year and d.indicator_code = t.indicator_code
   and d.caliber = t.caliber and d.base_year = t.base_year,
lateral (select coalesce(i.value, d.value) as value) as v
