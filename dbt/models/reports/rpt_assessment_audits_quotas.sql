-- 考核 用水审计、水平衡测试与定额执行: each report row's users required to have a water audit and a
-- water-balance test, those covered within their cycle (覆盖率), those done in the year and the share
-- of the year's plan completed (计划完成率; both rates as fct_audit_coverage gives them), and the users
-- judged against a quota, those over it (any product) and the over-quota surcharge (超定额累进加价), 万元.
with audits as (
    select region_code, report_year,
           any_value(n_required) filter (where kind_zh = '用水审计') as audit_required,
           any_value(n_done) filter (where kind_zh = '用水审计') as audit_done,
           any_value(n_covered) filter (where kind_zh = '用水审计') as audit_covered,
           any_value(coverage_pct) filter (where kind_zh = '用水审计') as audit_coverage_pct,
           any_value(completion_pct) filter (where kind_zh = '用水审计') as audit_completion_pct,
           any_value(n_required) filter (where kind_zh = '水平衡测试') as balance_test_required,
           any_value(n_done) filter (where kind_zh = '水平衡测试') as balance_test_done,
           any_value(n_covered) filter (where kind_zh = '水平衡测试') as balance_test_covered,
           any_value(coverage_pct) filter (where kind_zh = '水平衡测试') as balance_test_coverage_pct,
           any_value(completion_pct) filter (where kind_zh = '水平衡测试') as balance_test_completion_pct
    from {{ ref('fct_audit_coverage') }}
    group by all
),

quotas as (
    -- the users fct_indicators' over_quota_user_share counts (judged: some product with a quota, use and output)
    select r.region_code, q.report_year,
           count(distinct q.user_code) filter (where q.is_over_quota is not null) as users_judged,
           count(distinct q.user_code) filter (where q.is_over_quota) as users_over_quota,
           {{ exact_sum("q.surcharge_yuan") }} / 10000 as surcharge_10k_yuan
    from {{ ref('fct_quota_compliance') }} as q
    join {{ ref('int_region_rollup') }} as r on q.region_code = r.member_region_code
    group by all
),

years as (
    select region_code, report_year from audits
    union
    select region_code, report_year from quotas
)

select
    {{ report_row_columns('y') }},
    a.audit_required,
    a.audit_done,
    a.audit_covered,
    a.audit_coverage_pct,
    a.audit_completion_pct,
    a.balance_test_required,
    a.balance_test_done,
    a.balance_test_covered,
    a.balance_test_coverage_pct,
    a.balance_test_completion_pct,
    q.users_judged,
    q.users_over_quota,
    q.surcharge_10k_yuan
from years as y
left join audits as a using (region_code, report_year)
left join quotas as q using (region_code, report_year)
{{ join_report_rows('y') }}
