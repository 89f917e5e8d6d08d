-- The plan in force on any day: one row per user, plan year and stretch of days over which the plan
-- stays the same. The issued plan is in force from 1 January; each day an addition (追加) or a
-- reduction (核减) takes effect opens a new stretch with the plan issued + additions − reductions
-- effective by then. The plan in force on day D: the row with valid_from ≤ D ≤ valid_to.
with changes as (
    select report_year, uscc, effective_date as valid_from, {{ exact_sum("adjustment_m3") }} as change_m3,
           {{ string_agg_sorted("document_no", "'、'", "document_no") }} as documents
    from {{ ref('stg_raw__water_use_plan_adjustments') }}
    group by all
),

steps as (
    select report_year, uscc, make_date(report_year, 1, 1) as valid_from, issued_plan_m3 as change_m3,
           cast(null as string) as documents
    from {{ ref('int_water_use_plans') }}
    union all
    select * from changes
),

days as (
    select report_year, uscc, valid_from, {{ exact_sum("change_m3") }} as change_m3,
           string_agg(documents, '、') as documents
    from steps
    group by all
)

select
    d.report_year,
    d.uscc,
    p.user_name,
    p.region_code,
    d.valid_from,
    coalesce(lead(d.valid_from) over w - 1, make_date(d.report_year, 12, 31)) as valid_to,
    -- the window spelt out: Spark cannot add a frame to a named window
    sum(d.change_m3) over (partition by d.report_year, d.uscc order by d.valid_from
                           rows between unbounded preceding and current row) as plan_in_force_m3,
    d.change_m3 - case when d.valid_from = make_date(d.report_year, 1, 1) then p.issued_plan_m3 else 0 end
        as change_m3,
    d.documents
from days as d
join {{ ref('int_water_use_plans') }} as p using (report_year, uscc)
window w as (partition by d.report_year, d.uscc order by d.valid_from)
