-- Use against permitted volume per permit holder and year: permits valid at any time in the year
-- are summed; withdrawal is the self-supplied volume on the holder's returns.
with permitted as (
    select
        y.report_year,
        p.uscc,
        {{ exact_sum("p.permitted_volume_m3") }} as permitted_m3,
        count(distinct p.permit_no) as n_permits
    from (select distinct permit_no, uscc, permitted_volume_m3, valid_from, valid_to from {{ ref('int_permit_intakes') }}) as p
    join (select distinct report_year from {{ ref('int_user_annual_use') }}) as y
        on p.valid_from <= make_date(y.report_year, 12, 31) and p.valid_to >= make_date(y.report_year, 1, 1)
    group by all
)

select
    u.report_year,
    u.uscc,
    u.user_name,
    u.region_code,
    u.user_type,
    u.self_supplied_m3,
    p.permitted_m3,
    p.n_permits,
    u.self_supplied_m3 / nullif(p.permitted_m3, 0) * 100 as use_of_permit_pct,
    p.permitted_m3 is null and u.self_supplied_m3 > 0 as is_withdrawing_without_permit,
    coalesce(u.self_supplied_m3 > p.permitted_m3, false) as is_over_permit
from {{ ref('int_user_annual_use') }} as u
left join permitted as p using (report_year, uscc)
