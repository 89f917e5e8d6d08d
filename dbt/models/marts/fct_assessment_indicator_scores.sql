-- Each target indicator against its target (seeds/assessment_targets.csv) and the points the
-- scoring rule gives it (seeds/assessment_scoring_rules.csv), METHODS §6.2:
--   binary:   met → max points, else 0;
--   linear:   max × clamp((value − floor) / (target − floor), 0, 1) (mirrored for ≤ targets);
--   stepwise: max − ceil(shortfall / step_size) × step_points, not below 0.
-- A target whose indicator has no value scores 0 and is flagged. A decline target that names a
-- base year (deployment.assessment_targets.base_year) is scored on the decline against that base
-- (fct_intensity_declines); without one, against the plan period's (fct_indicators).
with targets as (
    select t.*, r.scoring_type, r.max_points, r.floor_value, r.step_size, r.step_points
    from {{ source('deployment', 'assessment_targets') }} as t
    join {{ source('deployment', 'assessment_scoring_rules') }} as r using (indicator_code)
),

valued as (
    select
        t.*,
        v.value,
        case t.direction when '>=' then v.value >= t.target_value else v.value <= t.target_value end as is_met,
        greatest(case t.direction when '>=' then t.target_value - v.value else v.value - t.target_value end, 0)
            as shortfall
    from targets as t
    left join {{ ref('fct_indicators') }} as i
        on t.base_year is null and i.region_code = t.region_code and i.report_year = t.report_year
       and i.indicator_code = t.indicator_code and i.caliber = t.caliber
    left join {{ ref('fct_intensity_declines') }} as d
        on d.region_code = t.region_code and d.report_year = t.report_year and d.indicator_code = t.indicator_code
       and d.caliber = t.caliber and d.base_year = t.base_year,
    lateral (select coalesce(i.value, d.value) as value) as v
)

select
    region_code,
    report_year,
    indicator_code,
    caliber,
    direction,
    target_value,
    value,
    coalesce(is_met, false) as is_met,
    value is null as is_missing_value,
    scoring_type,
    max_points,
    case
        when value is null then 0
        when scoring_type = 'binary' then case when is_met then max_points else 0 end
        when scoring_type = 'linear' then max_points * greatest(0, least(1,
            case direction when '>=' then (value - floor_value) / nullif(target_value - floor_value, 0)
                           else (floor_value - value) / nullif(floor_value - target_value, 0) end))
        when scoring_type = 'stepwise' then greatest(0, max_points - ceil(shortfall / step_size) * step_points)
    end as points,
    base_year
from valued
