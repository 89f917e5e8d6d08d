-- Use against permitted volume per permit holder and year: permits valid at any time in the year
-- are summed, each with the volume of its latest validity span in the year (int_permit_validity_spans:
-- every validity the permit had, not only the register's latest); withdrawal is the self-supplied
-- volume on the holder's returns. Days without a valid permit: fct_permit_validity.
with permit_years as (
    select y.report_year, p.uscc, p.permit_no, p.permitted_volume_m3
    from {{ ref('int_permit_validity_spans') }} as p
    join (select distinct report_year from {{ ref('int_user_annual_use') }}) as y
        on p.valid_from <= make_date(y.report_year, 12, 31) and p.valid_to >= make_date(y.report_year, 1, 1)
    qualify row_number() over (partition by y.report_year, p.permit_no order by p.valid_from desc) = 1
),

permitted as (
    select report_year, uscc, {{ exact_sum("permitted_volume_m3") }} as permitted_m3, count(*) as n_permits
    from permit_years
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
