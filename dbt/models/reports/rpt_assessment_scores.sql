-- 考核 表2 考核得分与等级: score parts, total, grade, tier and rank of each report row and year.
select
    {{ report_row_columns('s') }},
    s.target_points,
    s.system_points,
    s.measures_points,
    s.bonus_points,
    s.total_score,
    s.grade_zh,
    s.tier_zh,
    s.rank_in_year
from {{ ref('fct_assessment_scores') }} as s
{{ join_report_rows('s') }}
