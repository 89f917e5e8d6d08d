-- 考核 表2 考核得分与等级: score parts, total, grade, tier and rank of each report row and year.
select
    g.report_unit_code,
    s.report_year,
    s.region_code,
    g.region_label,
    g.sort_order,
    s.target_points,
    s.system_points,
    s.measures_points,
    s.bonus_points,
    s.total_score,
    s.grade_zh,
    s.tier_zh,
    s.rank_in_year
from {{ ref('fct_assessment_scores') }} as s
join {{ ref('rpt_report_rows') }} as g on g.region_code = s.region_code and {{ region_in_use('s.report_year') }}
