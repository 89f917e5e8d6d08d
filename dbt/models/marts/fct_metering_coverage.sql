-- Online-metering coverage per region and year: self-supplied withdrawal of users that have at
-- least one online monitoring station / all self-supplied withdrawal on the returns; and the
-- share of permitted intakes that report to the platform.
with stations as (
    select distinct intake_code from {{ ref('int_meter_daily_volumes') }}
),

users_online as (
    select distinct i.uscc
    from {{ ref('int_permit_intakes') }} as i
    join stations using (intake_code)
),

withdrawal as (
    select r.region_code, u.report_year,
           {{ exact_sum("u.self_supplied_m3") }} as self_supplied_m3,
           {{ exact_sum("u.self_supplied_m3", where="o.uscc is not null") }} as online_metered_m3
    from {{ ref('int_user_annual_use') }} as u
    left join users_online as o using (uscc)
    join {{ ref('int_region_rollup') }} as r on u.region_code = r.member_region_code
    group by all
),

intakes as (
    select r.region_code,
           count(distinct i.intake_code) as n_permitted_intakes,
           count(distinct i.intake_code) filter (where s.intake_code is not null) as n_online_intakes
    from {{ ref('int_permit_intakes') }} as i
    left join stations as s using (intake_code)
    join {{ ref('int_region_rollup') }} as r on i.region_code = r.member_region_code
    group by all
)

select
    w.region_code,
    w.report_year,
    w.self_supplied_m3,
    coalesce(w.online_metered_m3, 0) as online_metered_m3,
    coalesce(w.online_metered_m3, 0) / nullif(w.self_supplied_m3, 0) * 100 as online_metering_coverage_pct,
    i.n_permitted_intakes,
    i.n_online_intakes
from withdrawal as w
left join intakes as i using (region_code)
