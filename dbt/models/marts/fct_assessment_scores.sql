-- Assessment score per unit and year: target points + inspection points (制度建设, 措施落实) +
-- bonus, a veto sets the grade to 不合格; grade from seeds/assessment_grades.csv (lower bound
-- inclusive: "以上含本数，以下不含本数") and tier among units from seeds/assessment_tiers.csv.
with target_points as (
    select region_code, report_year, {{ exact_sum("points") }} as target_points, {{ exact_sum("max_points") }} as target_max_points,
           count(*) filter (where is_met) as n_targets_met, count(*) as n_targets
    from {{ ref('fct_assessment_indicator_scores') }}
    group by all
),

scored as (
    select
        s.region_code,
        s.report_year,
        coalesce(t.target_points, 0) as target_points,
        t.target_max_points,
        t.n_targets_met,
        t.n_targets,
        s.system_points,
        s.measures_points,
        s.bonus_points,
        s.is_vetoed,
        coalesce(t.target_points, 0) + s.system_points + s.measures_points + s.bonus_points as total_score
    from {{ ref('stg_raw__inspection_scores') }} as s
    left join target_points as t using (region_code, report_year)
),

graded as (
    select sc.*, case when sc.is_vetoed then '不合格' else g.grade_zh end as grade_zh
    from scored as sc
    left join {{ source('deployment', 'assessment_grades') }} as g on sc.total_score >= g.min_score  -- none set: no grade
    qualify row_number() over (partition by sc.region_code, sc.report_year order by g.min_score desc) = 1
),

tiered as (
    select gr.*, t.tier_zh
    from graded as gr
    left join {{ source('deployment', 'assessment_tiers') }} as t on gr.total_score >= t.min_score
    qualify row_number() over (partition by gr.region_code, gr.report_year order by t.min_score desc) = 1
)

-- ranked after the tier join has been reduced to one row per unit: a rank taken over the joined
-- rows counted every unit once per tier it cleared (1, 4, 4, 10 … instead of 1, 2, 2, 4 …)
-- cast: rank() is an int on Spark, a bigint on DuckDB
select *, cast(rank() over (partition by report_year order by total_score desc) as bigint) as rank_in_year
from tiered
