-- Each scored target (a target whose indicator has a scoring rule, seeds/assessment_scoring_rules.csv)
-- against its target (fct_assessment_target_status) and the points the rule gives it, METHODS §6.2:
--   binary:   met → max points, else 0;
--   linear:   max × clamp((value − floor) / (target − floor), 0, 1) (mirrored for ≤ targets);
--   stepwise: max − ceil(shortfall / step_size) × step_points, not below 0.
-- A target whose indicator has no value scores 0 and is flagged.
select
    s.region_code,
    s.report_year,
    s.indicator_code,
    s.caliber,
    s.direction,
    s.target_value,
    s.value,
    s.is_met,
    s.is_missing_value,
    r.scoring_type,
    r.max_points,
    case
        when s.value is null then 0
        when r.scoring_type = 'binary' then case when s.is_met then r.max_points else 0 end
        when r.scoring_type = 'linear' then r.max_points * greatest(0, least(1,
            case s.direction when '>=' then (s.value - r.floor_value) / nullif(s.target_value - r.floor_value, 0)
                             else (r.floor_value - s.value) / nullif(r.floor_value - s.target_value, 0) end))
        when r.scoring_type = 'stepwise' then greatest(0, r.max_points - ceil(s.shortfall / r.step_size) * r.step_points)
    end as points,
    s.base_year
from {{ ref('fct_assessment_target_status') }} as s
join {{ source('deployment', 'assessment_scoring_rules') }} as r using (indicator_code)
