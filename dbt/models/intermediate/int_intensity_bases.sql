-- The base years each region's intensity declines are measured against, per report year: the base
-- of the plan period the year falls in (deployment.base_years, every region) and any comparison
-- base the office names (deployment.comparison_base_years, '*' = every region). A base named both
-- ways is the plan base.
with named as (
    select r.region_code, y.report_year, p.base_year, true as is_plan_base, p.period_zh as note
    from {{ source('deployment', 'regions') }} as r
    join {{ source('deployment', 'base_years') }} as p on true
    cross join {{ unnest_rows(int_range('p.first_year', 'p.last_year')) }} as y(report_year)
    union all
    select r.region_code, y.report_year, c.base_year, false, c.note
    from {{ source('deployment', 'comparison_base_years') }} as c
    join {{ source('deployment', 'regions') }} as r on c.region_code in ('*', r.region_code)
    cross join {{ unnest_rows(int_range('c.first_year', 'c.last_year')) }} as y(report_year)
)

select
    region_code,
    report_year,
    base_year,
    bool_or(is_plan_base) as is_plan_base,
    coalesce(max(note) filter (where is_plan_base), max(note)) as note
from named
group by region_code, report_year, base_year
