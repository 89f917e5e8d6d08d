-- Each user's plan per year: the plan issued (Σ of the plan sheet's rows), its additions (追加) and
-- reductions (核减) on the adjustment ledger, and the plan in force at the year's end (issued +
-- additions − reductions). An adjustment for a user without an issued plan counts as a plan issued
-- by adjustment (issued 0).
with issued as (
    select report_year, uscc, any_value(user_name) as user_name, any_value(region_code) as region_code,
           {{ exact_sum("annual_plan_m3") }} as issued_plan_m3
    from {{ ref('stg_raw__water_use_plans') }}
    group by report_year, uscc
),

adjusted as (
    select report_year, uscc, any_value(user_name) as user_name, any_value(region_code) as region_code,
           {{ exact_sum("adjustment_m3", where="adjustment_m3 > 0") }} as added_m3,
           -{{ exact_sum("adjustment_m3", where="adjustment_m3 < 0") }} as reduced_m3,
           count(*) as n_adjustments,
           {{ string_agg_sorted('document_no', "'、'", 'effective_date, document_no') }} as adjustment_documents
    from {{ ref('stg_raw__water_use_plan_adjustments') }}
    group by report_year, uscc
)

select
    report_year,
    uscc,
    coalesce(i.user_name, a.user_name) as user_name,
    coalesce(i.region_code, a.region_code) as region_code,
    coalesce(i.issued_plan_m3, 0) as issued_plan_m3,
    coalesce(a.added_m3, 0) as added_m3,
    coalesce(a.reduced_m3, 0) as reduced_m3,
    coalesce(i.issued_plan_m3, 0) + coalesce(a.added_m3, 0) - coalesce(a.reduced_m3, 0) as plan_in_force_m3,
    coalesce(a.n_adjustments, 0) as n_adjustments,
    a.adjustment_documents
from issued as i
full join adjusted as a using (report_year, uscc)
