-- Audit and balance-test counts and rates per region (each region counts its members' users:
-- int_region_rollup), year and kind (fct_water_audits):
--   coverage   = required users covered within their cycle / required users × 100;
--   completion = planned ones done in the year / planned ones × 100.
select
    r.region_code,
    a.report_year,
    a.kind_zh,
    count(*) filter (where a.is_required) as n_required,
    count(*) filter (where a.is_covered) as n_covered,
    count(*) filter (where a.is_planned) as n_planned,
    count(*) filter (where a.is_planned and a.is_done) as n_planned_done,
    count(*) filter (where a.is_done) as n_done,
    count(*) filter (where a.is_covered) * 100e0
        / nullif(count(*) filter (where a.is_required), 0)::double as coverage_pct,
    count(*) filter (where a.is_planned and a.is_done) * 100e0
        / nullif(count(*) filter (where a.is_planned), 0)::double as completion_pct
from {{ ref('fct_water_audits') }} as a
join {{ ref('int_region_rollup') }} as r on a.region_code = r.member_region_code
group by all
