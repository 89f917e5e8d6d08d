-- Electronic-licence conversion (电子证照转换) per region and report year: the permits in force on
-- 31 December (a validity span covers the day) and those converted to, or issued as, an electronic
-- licence by then (permit-events ledger, e_licence_date). Rows only where the ledger records
-- conversions: the register alone does not say.
with years as (
    select distinct report_year, make_date(report_year, 12, 31) as year_end from {{ ref('int_user_annual_use') }}
),

in_force as (
    select distinct y.report_year, s.permit_no, s.region_code,
           exists (select 1 from {{ ref('stg_raw__permit_events') }} as e
                   where e.permit_no = s.permit_no and e.e_licence_date <= y.year_end) as is_converted
    from {{ ref('int_permit_validity_spans') }} as s
    join years as y on y.year_end between s.valid_from and s.valid_to
)

select
    r.region_code,
    i.report_year,
    count(distinct i.permit_no) as n_permits_in_force,
    count(distinct i.permit_no) filter (where i.is_converted) as n_e_licences,
    count(distinct i.permit_no) filter (where i.is_converted) / count(distinct i.permit_no) * 100 as e_licence_rate_pct
from in_force as i
join {{ ref('int_region_rollup') }} as r on i.region_code = r.member_region_code
where exists (select 1 from {{ ref('stg_raw__permit_events') }} where e_licence_date is not null)
group by all
