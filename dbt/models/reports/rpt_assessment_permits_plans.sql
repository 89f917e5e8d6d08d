-- 考核 取水许可与计划用水管理: each report row's 计划下达率 (users the deployment's rule requires a plan
-- for, those with a plan in force), the permits in force on 31 December and their electronic licences,
-- the users that withdrew on days no valid permit covered (and those days, summed over the users),
-- and the permits to renew. fct_permits_expiring is one list as of its report date: it is counted in
-- the latest year of the table not after that date (other years: null).
with plans as (
    select r.region_code, c.report_year,
           count(*) filter (where c.is_plan_required) as users_plan_required,
           count(*) filter (where c.is_plan_required and c.has_plan) as users_with_plan
    from {{ ref('fct_plan_coverage') }} as c
    join {{ ref('int_region_rollup') }} as r on c.region_code = r.member_region_code
    group by all
),

unpermitted as (
    -- the users fct_indicators counts as users_withdrawing_without_permit (a return, some day unpermitted)
    select r.region_code, p.report_year,
           count(*) filter (where p.has_unpermitted_days) as users_without_permit,
           cast(coalesce({{ exact_sum("p.days_without_valid_permit", "p.has_unpermitted_days") }}, 0) as bigint)
               as user_days_without_permit
    from {{ ref('fct_permit_validity') }} as p
    join {{ ref('int_region_rollup') }} as r on p.region_code = r.member_region_code
    where p.self_supplied_m3 is not null
    group by all
),

years as (
    select region_code, report_year from plans
    union
    select region_code, report_year from unpermitted
    union
    select region_code, report_year from {{ ref('fct_permit_e_licences') }}
),

expiring as (
    select r.region_code, count(distinct e.permit_no) as permits_expiring
    from {{ ref('fct_permits_expiring') }} as e
    join {{ ref('int_region_rollup') }} as r on e.region_code = r.member_region_code
    group by all
),

expiry_list as (
    -- the list's report date, and the table year it is counted in
    select d.report_date, (select max(report_year) from years where report_year <= year(d.report_date)) as report_year
    from (select max(report_date) as report_date from {{ ref('fct_permits_expiring') }}) as d
)

select
    {{ report_row_columns('y') }},
    p.users_plan_required,
    p.users_with_plan,
    p.users_with_plan / nullif(p.users_plan_required, 0) * 100 as plan_issuance_rate_pct,
    l.n_permits_in_force as permits_in_force,
    l.n_e_licences as e_licences,
    l.e_licence_rate_pct,
    u.users_without_permit,
    u.user_days_without_permit,
    case when x.report_year is not null then coalesce(e.permits_expiring, 0) end as permits_expiring,
    x.report_date as expiry_report_date,
    case when x.report_year is not null then {{ var('permit_expiry_window_months') }} end as expiry_window_months
from years as y
left join plans as p using (region_code, report_year)
left join unpermitted as u using (region_code, report_year)
left join {{ ref('fct_permit_e_licences') }} as l using (region_code, report_year)
left join expiry_list as x using (report_year)
left join expiring as e on e.region_code = y.region_code and x.report_year is not null
{{ join_report_rows('y') }}
